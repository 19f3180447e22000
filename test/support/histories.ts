import fs from 'node:fs';
import path from 'node:path';
import { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.resolve(__dirname, '..', 'histories');

/**
 * With CAPTURE_HISTORIES=1 (`npm run histories:capture`), saves the history of a finished run under
 * test/histories/<kind>/<path>.json, for the replay suite. Without it, does nothing.
 */
export async function captureHistory(handle: WorkflowHandle, kind: string, runPath: string): Promise<void> {
  if (process.env.CAPTURE_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  const file = path.join(HISTORIES_DIR, kind, `${runPath}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `${JSON.stringify({ workflowId: handle.workflowId, history: JSON.parse(historyToJSON(history)) as unknown }, null, 1)}\n`,
  );
}
