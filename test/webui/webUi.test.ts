import fs from 'node:fs';
import path from 'node:path';
import { chromium, Browser } from 'playwright-core';
import { startRunbook } from '../../client/runbooks';
import { rejectSignal } from '../../contracts/handlers';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * What an operator sees in the Temporal Web UI, in a real browser (Debian's chromium driven by playwright-core):
 * the running onboardTable found by its RunbookTarget search attribute, its current details with the step list
 * and the pending gate with the approve command. A screenshot is kept in test-artifacts/.
 */

const artifacts = path.resolve(__dirname, '..', '..', 'test-artifacts');
let tw: TestWorker;
let browser: Browser;
let table = '';

beforeAll(async () => {
  table = await createScratchTable(uniqueName('ui'), { rows: 20 });
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, scratchGroup(`g-${table.split('.')[1]}`, [table])] }));
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await tw?.stop();
  await dropScratchTable(table);
});

test('the Web UI finds the running onboardTable by RunbookTarget and shows its steps and the approve command', async () => {
  const handle = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
  const status = await waitForGate(handle, 'apply-mapping');
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  try {
    const query = encodeURIComponent(`RunbookTarget="${table}" AND ExecutionStatus="Running"`);
    await page.goto(`${process.env.TEMPORAL_UI_URL}/namespaces/default/workflows?query=${query}`);
    const link = page.getByRole('link', { name: handle.workflowId });
    await link.waitFor({ timeout: 30000 });
    expect(await page.getByRole('link', { name: /^onboardTable-/ }).count()).toBe(1);
    await link.click();
    await page.getByText('User Metadata').first().click();
    // The UI renders the Markdown of the current details in a frame of its own: read every frame's text.
    let text = '';
    for (let i = 0; i < 60 && !text.includes('Waiting for approval: gate'); i++) {
      await page.waitForTimeout(500);
      const frames = await Promise.all(
        page.frames().map((frame) =>
          frame
            .locator('body')
            .innerText()
            .catch(() => ''),
        ),
      );
      text = frames.join('\n');
    }
    expect(text).toContain(`onboardTable — ${table}`);
    for (const step of status.steps) expect(text).toContain(step.title);
    expect(text).toContain(`temporal workflow signal --workflow-id ${handle.workflowId} --name approve`);
    expect(text).toContain('CreateReplicationTask');
    fs.mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'webui-onboardTable-gate.png'), fullPage: true });
  } finally {
    await page.close();
    await handle.signal(rejectSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'web ui test over' });
    await handle.result();
  }
});
