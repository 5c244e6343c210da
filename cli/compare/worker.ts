/**
 * The entry of a sweep's worker threads (bundled as dist/compare-worker.mjs): the pool calls
 * the default export with each task.
 */
import { runTask } from './tasks.js';

export default runTask;
