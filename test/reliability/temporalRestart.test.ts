import { decide, startRunbook } from '../../client/runbooks';
import { stackSettings } from '../../sandbox/stack/settings';
import { temporalComponent } from '../../sandbox/stack/temporal';
import type { OnboardTableReport } from '../../workflows/onboardTable';
import { clearDmsFaults, setDmsFaults } from '../support/dmsAdmin';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/** The Temporal dev server restarted (persisted database) while runbooks wait at a gate and in a load: both carry on. */

let tw: TestWorker;
const tables: string[] = [];

beforeAll(async () => {
  for (const key of ['gate', 'load']) tables.push(await createScratchTable(uniqueName(`rs${key}`), { rows: 400 }));
  tw = await startTestWorker(
    testConfig({ taskGroups: [...testConfig().taskGroups, ...tables.map((t) => scratchGroup(`g-${t.split('.')[1]}`, [t]))] }),
  );
});
afterAll(async () => {
  await clearDmsFaults();
  await tw?.stop();
  for (const t of tables) await dropScratchTable(t);
});

test('runbooks waiting at a gate and in a full load survive a restart of the Temporal server', async () => {
  const [atGate, inLoad] = tables as [string, string];
  await setDmsFaults({ extraFullLoadSeconds: { [`t-g-${inLoad.split('.')[1]}`]: 900 } });
  const loading = await startRunbook(tw.client, 'onboardTable', { table: inLoad }, { taskQueue: tw.taskQueue });
  await waitForGate(loading, 'apply-mapping');
  await decide(loading, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  await waitForStatus(loading, (s) => s.steps.find((step) => step.id === 'load')?.state === 'current');
  const gated = await startRunbook(tw.client, 'onboardTable', { table: atGate }, { taskQueue: tw.taskQueue });
  await waitForGate(gated, 'apply-mapping');

  const temporal = temporalComponent(stackSettings(), () => {});
  expect(await temporal.stop()).toBe(true);
  expect(await temporal.isUp()).toBe(false);
  await temporal.start();

  const loaded = await loading.result();
  expect(loaded.outcome).toBe('succeeded');
  expect((loaded.report as OnboardTableReport).verification.matches).toBe(true);
  await waitForGate(gated, 'apply-mapping');
  await decide(gated, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'after restart', decision: 'approve' });
  expect((await gated.result()).outcome).toBe('succeeded');
});
