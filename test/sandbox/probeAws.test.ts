import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Transcript, transcriptShape } from '../../scripts/probe/probe';
import { compareShapes } from '../../scripts/probe/shapes';
import { dmsCalls } from '../support/dmsAdmin';
import { listObjects, s3 } from '../support/s3Parquet';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(120000);

/** `npm run probe:aws` against the sandbox as if it were an account: read-only, redacted, comparable by shape. */

const root = path.resolve(__dirname, '..', '..');
let transcript: Transcript;
let stderr: string;
let mutatingDuring: number;
let objectsBefore: string[];
let objectsAfter: string[];

const inventory = async () => (await listObjects(s3(), requireEnv('STACK_BUCKET'), '')).map((o) => `${o.key} ${o.size}`).sort();

beforeAll(async () => {
  loadStackEnv();
  const out = path.join(os.tmpdir(), `probe-${process.pid}.json`);
  objectsBefore = await inventory();
  const before = (await dmsCalls()).totals.mutating;
  stderr = await new Promise<string>((resolve, reject) =>
    execFile(
      path.join(root, 'node_modules', '.bin', 'tsx'),
      [path.join(root, 'scripts', 'probeAws.ts'), path.join(root, 'config', 'sandbox.pipeline.yaml'), '--out', out],
      { env: process.env, timeout: 100000 },
      (error, _stdout, err) => (error ? reject(new Error(`probe failed: ${error.message}\n${err}`)) : resolve(err)),
    ),
  );
  mutatingDuring = (await dmsCalls()).totals.mutating - before;
  objectsAfter = await inventory();
  transcript = JSON.parse(fs.readFileSync(out, 'utf8')) as Transcript;
  fs.rmSync(out);
});

it('says it is read-only first, lists its calls, and changes nothing in DMS or S3', () => {
  expect(stderr.split('\n')[0]).toContain('READ-ONLY');
  expect(stderr).toContain('dms:DescribeTableStatistics');
  expect(mutatingDuring).toBe(0);
  expect(objectsAfter).toEqual(objectsBefore);
});

it('keeps no account id, host, user, password or data value', () => {
  const text = JSON.stringify(transcript);
  expect(text).not.toContain('123456789012');
  expect(text).not.toContain(requireEnv('SOURCE_DB_HOST'));
  expect(text).not.toContain(requireEnv('SOURCE_DB_PASSWORD'));
  expect(text).not.toContain(`"${requireEnv('SOURCE_DB_USER')}"`);
  expect(text).not.toMatch(/customer\d+@example\.com|reader\d+@example\.com|Review number \d+/);
  expect(text).toContain('arn:aws:dms:us-east-1:<account>:task:');
});

it('holds the Describe answers and, per task group, a LOAD and a CDC file as column types and row shapes', () => {
  const tasks = (transcript.describe.DescribeReplicationTasks as { ReplicationTasks: Array<{ TableMappings: { rules: unknown[] } }> })
    .ReplicationTasks;
  expect(tasks.length).toBeGreaterThanOrEqual(2);
  expect(Array.isArray(tasks[0]!.TableMappings.rules)).toBe(true); // JSON members parsed
  const core = Object.values(transcript.files).find((f) => f.load);
  expect(core?.load?.columns.map((c) => c.name)).toEqual(expect.arrayContaining(['ar_h_change_seq', 'ar_h_operation']));
  expect(JSON.stringify(core?.load?.rowShape)).not.toContain('@');
});

it('compares with another transcript by shape: identical shapes agree, a changed type is named', () => {
  const shape = transcriptShape(transcript);
  expect(compareShapes(shape, shape)).toEqual([]);
  const doctored = JSON.parse(JSON.stringify(transcript)) as Transcript;
  const file = Object.values(doctored.files).find((f) => f.load)!.load!;
  file.columns.find((c) => c.name === 'ar_h_change_seq')!.type = 'INT64';
  (doctored.describe.DescribeReplicationTasks as { ReplicationTasks: Array<Record<string, unknown>> }).ReplicationTasks[0]!.Extra = 1;
  const differences = compareShapes(transcriptShape(doctored), shape);
  expect(differences).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^\.files\.load\.header\.ar_h_change_seq: real ".*INT64/),
      '.describe.DescribeReplicationTasks.ReplicationTasks.[].Extra: only on AWS',
    ]),
  );
});

/** Transcripts from real accounts, committed under sandbox/dms-emulator/transcripts/: the sandbox must answer alike. */
const committed = fs.existsSync(path.join(root, 'sandbox', 'dms-emulator', 'transcripts'))
  ? fs.readdirSync(path.join(root, 'sandbox', 'dms-emulator', 'transcripts')).filter((f) => f.endsWith('.json'))
  : [];
if (committed.length > 0)
  it.each(committed)('matches the shapes of the real-account transcript %s', (name) => {
    const real = JSON.parse(fs.readFileSync(path.join(root, 'sandbox', 'dms-emulator', 'transcripts', name), 'utf8')) as Transcript;
    expect(compareShapes(transcriptShape(real), transcriptShape(transcript))).toEqual([]);
  });
