// The action's post step: runs after the job's steps, also when the build failed. It exits as soon as it is done,
// for the same reason as the main step.
import { runPost } from './post-step.js'

await runPost()
process.exit()
