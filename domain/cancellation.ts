/**
 * What a cancelled run undoes, as the status query, the Web UI and the `canceled` notification show it. Each change
 * a runbook makes that a cancel must undo is registered with the command that undoes it by hand; on cancel the
 * registered undos run newest first, and each one ends done, failed (its command is then the way to finish by hand)
 * or left (the run leaves the change in place on purpose, and the command is how to undo it later).
 */

export type UndoState = 'pending' | 'running' | 'done' | 'failed' | 'left';

export interface UndoRecord {
  what: string;
  state: UndoState;
  /** The command that does the same by hand: for a failed undo, for a change left in place. */
  command: string;
  detail?: string;
}

export interface CancellationStatus {
  /** When the run saw the cancellation (workflow time). */
  at: string;
  /** Who asked (the client identity in the run's WorkflowExecutionCancelRequested event), when known. */
  requestedBy?: string;
  reason?: string;
  /** The step running when the cancellation came. */
  duringStep?: string;
  undo: UndoRecord[];
}

/** The cancellation as Markdown, for the status's current details and the `canceled` notification. */
export function cancellationToMarkdown(c: CancellationStatus): string {
  const who = c.requestedBy ? ` by ${c.requestedBy}${c.reason ? ` (${c.reason})` : ''}` : c.reason ? ` (${c.reason})` : '';
  const lines = [`Cancelled${who} at ${c.at}${c.duringStep ? ` during step \`${c.duringStep}\`` : ''}.`];
  if (c.undo.length === 0) {
    lines.push('Nothing to undo: the run had changed nothing yet.');
    return lines.join('\n');
  }
  for (const u of c.undo) {
    lines.push(`- ${u.state.toUpperCase()} · ${u.what}${u.detail ? ` — ${u.detail}` : ''}`);
    if (u.state === 'failed' || u.state === 'left' || u.state === 'pending') lines.push(`  by hand: \`${u.command}\``);
  }
  return lines.join('\n');
}

/** One line: how many undos ended which way. */
export function undoSummary(undo: UndoRecord[]): string {
  if (undo.length === 0) return 'nothing to undo';
  const count = (state: UndoState) => undo.filter((u) => u.state === state).length;
  const parts = [`${count('done')} undone`];
  if (count('failed')) parts.push(`${count('failed')} FAILED (finish by hand with the commands listed)`);
  if (count('left')) parts.push(`${count('left')} left in place (commands listed)`);
  return parts.join(', ');
}
