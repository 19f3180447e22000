import fs from 'node:fs';
import path from 'node:path';
import { createAwsClients, destroyAwsClients } from '../activities/awsClients';
import { loadPipelineConfigFile } from '../worker/configFile';
import { PROBE_CALLS, probe } from './probe/probe';

/**
 * `npm run probe:aws -- <pipeline file> [--out <file>]`: a read-only look at a real account, for the emulator's
 * fidelity (sandbox/dms-emulator/FIDELITY.md). It describes the pipeline's DMS resources and reads the footer and
 * first rows of one LOAD and one CDC file per task group, and writes a redacted transcript: no account id, host,
 * user or password, and no data value (files are kept as column types and row shapes only).
 */
async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args[outIndex + 1] : undefined;
  const file = args.find((a, i) => !a.startsWith('--') && i !== outIndex + 1);
  if (!file || (outIndex >= 0 && !out)) {
    console.error('usage: npm run probe:aws -- <pipeline file> [--out <transcript.json>]');
    return 2;
  }
  console.error('probe:aws is READ-ONLY: it changes nothing in DMS or S3. The only calls it makes:');
  for (const call of PROBE_CALLS) console.error(`  ${call}`);
  const config = loadPipelineConfigFile(file);
  const clients = createAwsClients(config.region);
  try {
    const transcript = await probe(config, clients, (line) => console.error(`[probe] ${line}`));
    const target = out ?? `probe-${config.name}-${new Date().toISOString().slice(0, 10)}.json`;
    fs.writeFileSync(target, `${JSON.stringify(transcript, null, 2)}\n`);
    console.error(`[probe] transcript written to ${path.resolve(target)} (redacted: read it before you share it)`);
    return 0;
  } finally {
    destroyAwsClients(clients);
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[probe] ${error.name}: ${error.message}`);
    process.exit(1);
  },
);
