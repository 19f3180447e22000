import { cancellationToMarkdown } from './cancellation';
import { planToMarkdown } from './plan';
import { RunbookStatus, StepState } from './runbookStatus';

// Words rather than emoji: the Web UI's fonts may lack the glyphs.
const marks: Record<StepState, string> = { pending: 'pending', current: '**now**', done: 'done', failed: '**FAILED**', skipped: 'skipped' };

/** The status as Markdown for the Web UI's current details (setCurrentDetails). */
export function statusToMarkdown(status: RunbookStatus): string {
  const lines = [`## ${status.kind} — ${status.target}`, `Phase: **${status.phase}**`, '', '### Steps'];
  for (const step of status.steps) {
    lines.push(`- ${marks[step.state]} · ${step.title}${step.detail ? ` — ${step.detail}` : ''}`);
  }
  const gate = status.pendingGate;
  if (gate) {
    lines.push('', `### Waiting for approval: gate \`${gate.gate}\` (expires ${gate.expiresAt})`);
    if (gate.note) lines.push('', `> ${gate.note}`);
    lines.push('', planToMarkdown(gate.plan));
    if (gate.planDigest) lines.push('', `Plan digest: \`${gate.planDigest}\``);
    if (gate.cliApproveCommand && gate.cliRejectCommand) {
      lines.push(
        '',
        'Approve or reject with the CLI (it signs the decision with your SSH key and prints the answer):',
        '```',
        gate.cliApproveCommand,
        gate.cliRejectCommand,
        '```',
        'With the Temporal CLI: `npx dms-runbooks sign <workflow id> --decision approve --reason …` prints the signed `--input` when signatures are on.',
      );
    }
    lines.push(
      '',
      'Approve:',
      '```',
      gate.approveCommand,
      '```',
      'Reject:',
      '```',
      gate.rejectCommand,
      '```',
      'Or, with an answer at once:',
      '```',
      gate.updateCommand,
      '```',
    );
  }
  if (status.cancellation) lines.push('', '### Cancellation', cancellationToMarkdown(status.cancellation));
  if (status.dms && Object.keys(status.dms).length) {
    lines.push('', '### Latest DMS state', '```json', JSON.stringify(status.dms, null, 2), '```');
  }
  if (status.errors.length) {
    lines.push('', '### Errors', ...status.errors.map((e) => `- ${e}`));
  }
  if (status.reportMarkdown) lines.push('', status.reportMarkdown);
  return lines.join('\n');
}
