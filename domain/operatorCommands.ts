/** The exact Temporal CLI commands operators copy from the status query, the Web UI and notifications. */

export const TASK_QUEUE = 'dms-runbooks';

function quoteJson(value: unknown): string {
  return `'${JSON.stringify(value).replace(/'/g, "'\\''")}'`;
}

export function signalCommand(workflowId: string, name: 'approve' | 'reject', gate: string): string {
  return `temporal workflow signal --workflow-id ${workflowId} --name ${name} --input ${quoteJson({ gate, approver: '<your name>', reason: '<why>' })}`;
}

export function decideCommand(workflowId: string, gate: string): string {
  return `temporal workflow update execute --workflow-id ${workflowId} --name decide --input ${quoteJson({ gate, approver: '<your name>', reason: '<why>', decision: 'approve' })}`;
}

/**
 * Starts a runbook with the `dms-runbooks` CLI: it adds `requestedBy` (the person running it) and its signature,
 * which the four-eyes rule and `approvals.signatures: required` need, and uses the configured task queue
 * (DMS_RUNBOOKS_TASK_QUEUE, or `--task-queue` when given here).
 */
export function startCommand(kind: string, workflowId: string, input: unknown, taskQueue?: string): string {
  const queue = taskQueue && taskQueue !== TASK_QUEUE ? ` --task-queue ${taskQueue}` : '';
  return `npx dms-runbooks start ${kind} --workflow-id ${workflowId}${queue} --input ${quoteJson(input)}`;
}

/** Names a task queue other than the default in the CLI start commands of a text (doctor findings and their steps). */
export function withTaskQueue(text: string, taskQueue: string): string {
  if (taskQueue === TASK_QUEUE || text.includes(' --task-queue ')) return text;
  return text.replace(/(npx dms-runbooks start \S+ --workflow-id \S+)/g, `$1 --task-queue ${taskQueue}`);
}

/**
 * The one command a person runs to decide a gate: the `dms-runbooks` CLI shows the plan digest, signs the decision
 * with their SSH key and sends the `decide` update. An update goes to the workflow id: no task queue is needed.
 */
export function cliDecisionCommand(workflowId: string, decision: 'approve' | 'reject', gate: string): string {
  return `npx dms-runbooks ${decision} ${workflowId} --gate ${gate} --reason '<why>'`;
}

export function statusCommand(workflowId: string): string {
  return `temporal workflow query --workflow-id ${workflowId} --name status`;
}

/**
 * A Temporal Schedule that starts a runbook every `interval` (e.g. `1h`); runs never overlap, and one missed while
 * the server was down is caught up within an hour. Each run's id is the workflow id plus its start time.
 */
export function scheduleCreateCommand(
  scheduleId: string,
  kind: string,
  interval: string,
  input: unknown,
  options: { taskQueue?: string; workflowId?: string; runTimeout?: string } = {},
): string {
  return [
    'temporal schedule create',
    `--schedule-id ${scheduleId}`,
    `--interval ${interval}`,
    // A stuck run would otherwise skip every later one (overlap Skip).
    `--run-timeout ${options.runTimeout ?? interval}`,
    `--type ${kind}`,
    `--task-queue ${options.taskQueue ?? TASK_QUEUE}`,
    `--workflow-id ${options.workflowId ?? scheduleId}`,
    '--overlap-policy Skip',
    '--catchup-window 1h',
    `--input ${quoteJson(input)}`,
  ].join(' ');
}
