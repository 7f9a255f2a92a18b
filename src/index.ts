// The action's main step. It exits as soon as the phases are done: a cache or artifact service that stopped
// answering must not keep the job waiting on an open connection.
import { run } from './main.js'

await run()
process.exit()
