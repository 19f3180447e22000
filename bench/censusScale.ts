import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DeleteObjectsCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ledgeredCensus } from '../activities/doctor/ledgeredCensus';
import { listObjectPages, mapBounded, readJsonObject } from '../activities/s3Objects';
import { censusLedgerKey, previousEntries } from '../domain/doctor/censusLedger';
import type { ParquetCensus } from '../domain/doctor/rowValidation';
import { putGenerated, s3BenchMachine, stackS3, writeFormattedResult } from './benchSupport';

/**
 * `npm run bench -- census`: the doctor's row validation on a table of many small Parquet files. In moto's S3 it
 * generates once (reused while the stack is up) BENCH_CENSUS_FILES (default 100,000) real Parquet files of a few
 * rows, spread over daily partitions as DMS lays them out, then takes the census exactly as the doctor does
 * (activities/doctor/ledgeredCensus.ts: ledger read, footers of new or rewritten files read, ledger written):
 * (a) a first run with no ledger, (b) after adding ADDED new files and rewriting REWRITTEN existing ones,
 * (c) again with nothing new. The totals of (b) and (c) must equal a full recount (every footer read again) or
 * the bench fails. Prints a table and writes bench/results/census-scale.json.
 */

const FILES = Number(process.env.BENCH_CENSUS_FILES ?? 100_000);
const ADDED = Math.min(1000, Math.max(1, Math.round(FILES / 100)));
const REWRITTEN = Math.min(100, Math.max(1, Math.round(FILES / 1000)));
const FILES_PER_PARTITION = 1000;
const PARTITIONS = Math.max(1, Math.ceil(FILES / FILES_PER_PARTITION));
const GENERATE_CONCURRENCY = 16;
const CENSUS_CONCURRENCY = 8; // the doctor's default footerConcurrency
const SCHEMA = 'shop';
const TABLE = `census_events_${FILES}`;
const PREFIX = `bench/dms/${SCHEMA}/${TABLE}/`;
// The day the new files of (b) land in: after the generated partitions, so a re-run can remove them first.
const NEW_PARTITION = '20271231';

/** Daily `YYYYMMDD` partitions from 2026-01-01; the first holds the full load (LOAD…), the others CDC files. */
function partitionOf(i: number): string {
  const day = new Date(Date.UTC(2026, 0, 1) + (i % PARTITIONS) * 86_400_000);
  return day.toISOString().slice(0, 10).replaceAll('-', '');
}

function keyOf(i: number): string {
  const partition = partitionOf(i);
  return i % PARTITIONS === 0
    ? `${PREFIX}${partition}/LOAD${(Math.floor(i / PARTITIONS) + 1).toString(16).toUpperCase().padStart(8, '0')}.parquet`
    : `${PREFIX}${partition}/${partition}-${String(Math.floor(i / PARTITIONS)).padStart(9, '0')}.parquet`;
}

/** A real DMS-shaped Parquet file of 1–5 rows; `salt` changes its bytes (and so its ETag) on a rewrite. */
async function parquetFile(i: number, rows: number, salt = 0): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const r = Array.from({ length: rows }, (_, n) => n);
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'Op', data: r.map(() => 'I'), type: 'STRING' },
      { name: 'dms_commit_ts', data: r.map((n) => new Date(Date.UTC(2026, 0, 1) + (i * 5 + n) * 1000 + salt)), type: 'TIMESTAMP' },
      { name: 'id', data: r.map((n) => BigInt(i * 5 + n)), type: 'INT64' },
      { name: 'amount', data: r.map((n) => ((i * 5 + n + salt) % 100000) / 100), type: 'DOUBLE' },
    ],
  });
  return new Uint8Array(buffer);
}

const rowsOf = (i: number) => 1 + (i % 5);

async function countObjects(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let objects = 0;
  for await (const page of listObjectPages(s3, bucket, prefix)) objects += page.length;
  return objects;
}

async function ensureTable(s3: S3Client, bucket: string): Promise<{ generatedSeconds?: number; filesPerSecond?: number }> {
  // A previous run's additions go first, so every run starts from the same FILES files.
  const added: string[] = [];
  for await (const page of listObjectPages(s3, bucket, `${PREFIX}${NEW_PARTITION}/`)) added.push(...page.map((o) => o.Key!));
  for (let i = 0; i < added.length; i += 1000)
    await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: added.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }),
    );
  const present = await countObjects(s3, bucket, PREFIX);
  if (present >= FILES) {
    console.log(`[bench] reusing ${present} files under s3://${bucket}/${PREFIX}`);
    return {};
  }
  console.log(`[bench] generating ${FILES} Parquet files in ${PARTITIONS} partitions under s3://${bucket}/${PREFIX} (once per stack)…`);
  const seconds = await putGenerated(s3, bucket, {
    count: FILES,
    concurrency: GENERATE_CONCURRENCY,
    logEvery: 5000,
    object: async (i) => ({ key: keyOf(i), body: await parquetFile(i, rowsOf(i)) }),
  });
  return { generatedSeconds: Number(seconds.toFixed(1)), filesPerSecond: Math.round(FILES / seconds) };
}

/** (b)'s changes: ADDED files in a new day's partition, REWRITTEN existing files written again with other rows. */
async function changeTable(s3: S3Client, bucket: string): Promise<void> {
  const salt = Date.now() % 1000;
  const writes = [
    ...Array.from({ length: ADDED }, (_, n) => ({
      key: `${PREFIX}${NEW_PARTITION}/${NEW_PARTITION}-${String(n).padStart(9, '0')}.parquet`,
      i: FILES + n,
      rows: rowsOf(n),
      salt: 0,
    })),
    // Spread over the table, not all in its first partition.
    ...Array.from({ length: REWRITTEN }, (_, n) => {
      const i = Math.floor((n * FILES) / REWRITTEN) + 1;
      return { key: keyOf(i), i, rows: 1 + ((rowsOf(i) + 1 + (salt % 3)) % 5), salt: salt + 1 };
    }),
  ];
  await mapBounded(writes, GENERATE_CONCURRENCY, async (w) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: w.key, Body: await parquetFile(w.i, w.rows, w.salt) })),
  );
}

// Heap figures after a full collection, so they are of what is kept, not of garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = () => {
  gc();
  return process.memoryUsage().heapUsed / 1024 ** 2;
};

interface Measured {
  census: ParquetCensus;
  seconds: number;
  ledgerBytes: number;
  peakRssMb: number;
  checkpoints: number;
}

async function measure(s3: S3Client, bucket: string, ledgerKey: string, fullCensus: boolean): Promise<Measured> {
  let peakRss = process.memoryUsage().rss;
  let checkpoints = 0;
  const started = performance.now();
  const census = await ledgeredCensus(s3, bucket, PREFIX, ledgerKey, {
    at: new Date().toISOString(),
    fullCensus,
    concurrency: CENSUS_CONCURRENCY,
    onPage: () => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    },
    onCheckpoint: () => checkpoints++,
  });
  const seconds = (performance.now() - started) / 1000;
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: ledgerKey }));
  return { census, seconds, ledgerBytes: head.ContentLength ?? 0, peakRssMb: Math.round(peakRss / 1024 ** 2), checkpoints };
}

const totals = (c: ParquetCensus) => ({
  files: c.files,
  loadFiles: c.loadFiles,
  loadRows: c.loadRows,
  changeFiles: c.changeFiles,
  changeRows: c.changeRows,
  bytesStored: c.bytesStored,
  problems: c.problems.length,
});

function assertSameTotals(what: string, got: ParquetCensus, recount: ParquetCensus): void {
  const a = JSON.stringify(totals(got));
  const b = JSON.stringify(totals(recount));
  if (a !== b) throw new Error(`${what}: incremental totals ${a} ≠ full recount ${b}`);
}

const row = (m: Measured) => ({
  filesListed: m.census.files,
  footersRead: m.census.files - (m.census.filesReused ?? 0),
  filesReused: m.census.filesReused ?? 0,
  bytesRead: m.census.bytesRead,
  ledgerBytes: m.ledgerBytes,
  seconds: Number(m.seconds.toFixed(2)),
  peakRssMb: m.peakRssMb,
  ledgerCheckpoints: m.checkpoints,
  rows: m.census.loadRows + m.census.changeRows,
});

async function main(): Promise<void> {
  const { s3, bucket } = stackS3();
  const generation = await ensureTable(s3, bucket);
  const ledgerKey = censusLedgerKey(SCHEMA, TABLE);
  await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: ledgerKey }], Quiet: true } }));

  console.log('[bench] (a) first run, no ledger');
  const first = await measure(s3, bucket, ledgerKey, false);
  if (first.census.filesReused !== 0 || first.census.problems.length)
    throw new Error(`(a) reused or unreadable files: ${JSON.stringify(totals(first.census))}`);

  // What the previous entries cost in the worker's heap while a run holds them.
  const heapBefore = heapMb();
  const previous = previousEntries(await readJsonObject(s3, bucket, ledgerKey), PREFIX);
  const ledgerHeapMb = Number((heapMb() - heapBefore).toFixed(1));
  if (previous.size !== first.census.files) throw new Error(`ledger holds ${previous.size} entries for ${first.census.files} files`);
  previous.clear();

  console.log(`[bench] (b) after ${ADDED} new files and ${REWRITTEN} rewritten`);
  await changeTable(s3, bucket);
  const changed = await measure(s3, bucket, ledgerKey, false);
  console.log('[bench] (c) nothing new');
  const unchanged = await measure(s3, bucket, ledgerKey, false);
  console.log('[bench] full recount (every footer read again), to check (b) and (c)');
  // A separate ledger key, so the recount does not replace the ledger the incremental runs wrote.
  const recount = await measure(s3, bucket, `${ledgerKey}.recount`, true);
  assertSameTotals('(b)', changed.census, recount.census);
  assertSameTotals('(c)', unchanged.census, recount.census);
  const expectedRead = ADDED + REWRITTEN;
  if (changed.census.files - (changed.census.filesReused ?? 0) !== expectedRead)
    throw new Error(`(b) read ${changed.census.files - (changed.census.filesReused ?? 0)} footers, expected ${expectedRead}`);
  if (unchanged.census.bytesRead !== 0) throw new Error(`(c) read ${unchanged.census.bytesRead} bytes with nothing new`);

  const results = {
    benchmark: 'census-scale',
    date: new Date().toISOString(),
    machine: s3BenchMachine(),
    table: {
      prefix: PREFIX,
      files: FILES,
      partitions: PARTITIONS,
      averageFileBytes: Math.round(first.census.bytesStored / first.census.files),
      generatedSeconds: generation.generatedSeconds ?? null,
      generatedFilesPerSecond: generation.filesPerSecond ?? null,
      generateConcurrency: GENERATE_CONCURRENCY,
    },
    censusConcurrency: CENSUS_CONCURRENCY,
    firstRun: row(first),
    afterChanges: { added: ADDED, rewritten: REWRITTEN, ...row(changed) },
    nothingNew: row(unchanged),
    fullRecount: row(recount),
    ledgerHeapMb,
    checks:
      'the totals (files, rows, bytes stored, problems) of (b) and (c) equal the full recount; (b) read exactly the new and rewritten footers; (c) read none',
    notes: [
      'moto builds the whole object to answer a ranged GET and answers one request at a time per connection slot: wall times are of moto on this machine; files and bytes read carry over to S3.',
      'every run lists the whole prefix (ListObjectsV2, 1,000 keys a page): a file is recognised by key, ETag and size.',
    ],
  };

  const mb = (b: number) => (b >= 1024 ** 2 ? `${(b / 1024 ** 2).toFixed(1)} MB` : `${(b / 1024).toFixed(1)} KB`);
  const table = [
    ['run', 'files listed', 'footers read', 'bytes read', 'ledger', 'wall time', 'rows'],
    ...(
      [
        ['(a) first run, no ledger', first],
        [`(b) +${ADDED} new, ${REWRITTEN} rewritten`, changed],
        ['(c) nothing new', unchanged],
        ['full recount (check)', recount],
      ] as const
    ).map(([what, m]) => {
      const r = row(m);
      return [
        what,
        r.filesListed.toLocaleString('en-US'),
        r.footersRead.toLocaleString('en-US'),
        mb(r.bytesRead),
        mb(r.ledgerBytes),
        `${r.seconds} s`,
        r.rows.toLocaleString('en-US'),
      ];
    }),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  console.log(
    `\n${FILES.toLocaleString('en-US')} Parquet files in ${PARTITIONS} partitions${generation.generatedSeconds ? `, generated in ${generation.generatedSeconds} s (${generation.filesPerSecond} files/s)` : ''}; ${results.machine.cpus} CPUs, ${results.machine.node}`,
  );
  for (const r of table) console.log(r.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log(`ledger entries in the heap: ${ledgerHeapMb} MB; (b) and (c) totals equal the full recount`);

  const out = await writeFormattedResult('census-scale.json', results);
  console.log(`[bench] wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((error: Error) => {
  console.error(`[bench] ${error.stack ?? error.message}`);
  process.exit(1);
});
