import { execSync } from 'node:child_process';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import type { DoctorReport } from '../../domain/doctor/doctorReport';
import type { Finding } from '../../domain/doctor/findings';
import type { RunbookResult } from '../../workflows/engine/runbook';
import { captureHistory } from './histories';

/**
 * Runs a doctor's remedy command as an operator would: the aws CLI (the stack's endpoint variables), the Temporal CLI,
 * the dms-runbooks CLI (`env` names the person and their signing key).
 */
export function runRemedy(command: string, env: Record<string, string> = {}): void {
  const cli = path.dirname(process.env.TEMPORAL_CLI_PATH!);
  execSync(command, {
    env: { ...process.env, AWS_DEFAULT_REGION: process.env.AWS_REGION, PATH: `${cli}:${process.env.PATH}`, ...env },
    stdio: 'pipe',
    shell: '/bin/bash',
    timeout: 240_000,
  });
}

/** The doctor's `leftovers` findings for one task group (its history saved under `capture` when capturing). */
export async function leftoversOf(client: Client, taskQueue: string, group: string, capture?: string): Promise<Finding[]> {
  const doctor = await startRunbook(client, 'pipelineDoctor', { checks: ['leftovers'], taskGroups: [group] }, { taskQueue });
  const result = (await doctor.result()) as RunbookResult<DoctorReport>;
  if (capture) await captureHistory(doctor, 'pipelineDoctor', capture);
  return result.report!.findings.filter((f) => f.check === 'leftovers');
}
