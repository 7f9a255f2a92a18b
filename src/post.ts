// The action's post step: runs after the job's steps, also when the build failed.
import { runPost } from './post-step.js'

await runPost()
