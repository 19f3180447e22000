import { runbookPipelineKey } from './searchAttributes';

/**
 * Which runs belong to a pipeline, as a Temporal visibility filter: those whose `RunbookPipeline` is the pipeline's
 * `name`, and those on the pipeline's task queue. Each pipeline has a worker and task queue of its own (a worker
 * serves one configuration), so the queue finds the runs from before `RunbookPipeline` existed, and a run that has
 * not yet loaded its configuration (no `RunbookPipeline` for its first workflow task), without `IS NULL`, which the
 * List Filter page of Temporal's documentation does not list among the supported operators.
 */
export function pipelineRunsFilter(pipeline: string, taskQueue: string): string {
  return `(${runbookPipelineKey.name} = ${quoted(pipeline)} OR TaskQueue = ${quoted(taskQueue)})`;
}

/** The same test for one execution as visibility lists it (for reads that cannot filter in the query). */
export function isPipelineRun(pipeline: string, taskQueue: string, run: { pipeline?: string; taskQueue?: string }): boolean {
  return run.pipeline === pipeline || run.taskQueue === taskQueue;
}

/** A visibility string literal: a pipeline name may hold any character (the schema asks for one); backslash escapes are unverified. */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
