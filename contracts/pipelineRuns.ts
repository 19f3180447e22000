import { runbookPipelineKey } from './searchAttributes';

/**
 * Which runs belong to a pipeline, as a Temporal visibility filter: those whose `RunbookPipeline` is the
 * pipeline's `name`, and runs from before that attribute existed (none set) that ran on the pipeline's task queue,
 * since each pipeline has a worker and task queue of its own. A run that has not yet loaded its configuration has
 * no `RunbookPipeline` for its first workflow task and is found by its task queue, too.
 */
export function pipelineRunsFilter(pipeline: string, taskQueue: string): string {
  const key = runbookPipelineKey.name;
  return `(${key} = ${quoted(pipeline)} OR (${key} IS NULL AND TaskQueue = ${quoted(taskQueue)}))`;
}

/** The same test for one execution as visibility lists it (for reads that cannot filter in the query). */
export function isPipelineRun(pipeline: string, taskQueue: string, run: { pipeline?: string; taskQueue?: string }): boolean {
  return run.pipeline === undefined ? run.taskQueue === taskQueue : run.pipeline === pipeline;
}

/** A visibility string literal: a pipeline name may hold any character (the configuration only asks for one). */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
