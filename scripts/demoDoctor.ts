import type { Client } from '@temporalio/client';
import { startRunbook } from '../client/runbooks';
import { upsertRunbookSchedule } from '../client/schedules';
import type { DoctorReport } from '../domain/doctor/doctorReport';

/** The demo's doctor part: the hourly `pipeline-doctor` schedule, and one run now so its report can be read. */
export async function demoPipelineDoctor(client: Client, ui: string): Promise<void> {
  const schedule = await upsertRunbookSchedule(client, {
    scheduleId: 'pipeline-doctor',
    kind: 'pipelineDoctor',
    input: {},
    every: '1h',
    note: 'hourly pipeline health report (npm run demo)',
  });
  console.log(
    `         schedule pipeline-doctor ${schedule.created ? 'created' : 'updated'}: pipelineDoctor every hour\n         temporal schedule describe --schedule-id pipeline-doctor`,
  );
  const handle = await startRunbook(client, 'pipelineDoctor', {}, { workflowId: `pipelineDoctor-demo-${Date.now()}` });
  console.log(`         started pipelineDoctor now: ${ui}/namespaces/default/workflows/${encodeURIComponent(handle.workflowId)}`);
  const result = await handle.result();
  const report = result.report as DoctorReport;
  console.log(`         ${result.message}`);
  for (const check of report.checks) console.log(`         ${check.status.padEnd(8)} ${check.check.padEnd(15)} ${check.summary}`);
  for (const finding of report.findings)
    console.log(`         ${finding.severity.padEnd(8)} ${finding.title}\n                  fix: ${finding.remedy?.command ?? '—'}`);
}
