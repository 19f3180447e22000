import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parquetMetadata } from 'hyparquet';
import { auditFileSizes } from '../activities/doctor/fileSizeListing';
import { FOOTER_TAIL_BYTES, parquetCensus } from '../activities/doctor/parquetCensus';
import { listObjectPages, mapBounded } from '../activities/s3Objects';
import { putGenerated, s3BenchMachine, stackS3, writeFormattedResult } from './benchSupport';

/**
 * `npm run bench`: the doctor's validation reads only Parquet footers. In moto's S3, a table of 2,200 Parquet files
 * (~0.5 MB each of incompressible data, ≥ 1 GB in all; generated once and reused while the stack is up) is
 * 1. validated from footers (ranged GETs of each tail) — bytes read vs stored, wall time;
 * 2. validated by downloading every file — the same row count, the time it costs;
 * 3. audited for small files (ListObjectsV2 pages) — objects listed per second.
 * Prints a table and writes bench/results/footer-validation.json.
 */

const FILES = Number(process.env.BENCH_FILES ?? 2200);
const ROWS_PER_FILE = 1000;
const PAYLOAD_BYTES = 360; // → 480 base64 characters a row: ~0.5 MB a file, random so Snappy cannot shrink it
const PARTITIONS = 22;
const CONCURRENCY = 8;
const PREFIX = 'bench/dms/shop/bench_events/';
const MIN_TOTAL_BYTES = 1024 ** 3;

function keyOf(i: number): string {
  const day = String(1 + (i % PARTITIONS)).padStart(2, '0');
  const partition = `202606${day}`;
  // The first partition holds full-load files, the others CDC files, as DMS lays them out.
  return day === '01'
    ? `${PREFIX}${partition}/LOAD${String(i + 1).padStart(8, '0')}.parquet`
    : `${PREFIX}${partition}/${partition}-120000${String(i).padStart(6, '0')}.parquet`;
}

async function parquetFile(i: number): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const random = randomBytes(ROWS_PER_FILE * PAYLOAD_BYTES);
  const payload = Array.from({ length: ROWS_PER_FILE }, (_, r) =>
    random.subarray(r * PAYLOAD_BYTES, (r + 1) * PAYLOAD_BYTES).toString('base64'),
  );
  const base = i * ROWS_PER_FILE;
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'Op', data: payload.map(() => 'I'), type: 'STRING' },
      { name: 'dms_commit_ts', data: payload.map((_, r) => new Date(Date.UTC(2026, 5, 1) + (base + r) * 1000)), type: 'TIMESTAMP' },
      { name: 'id', data: payload.map((_, r) => BigInt(base + r)), type: 'INT64' },
      { name: 'amount', data: payload.map((_, r) => ((base + r) % 100000) / 100), type: 'DOUBLE' },
      { name: 'payload', data: payload, type: 'STRING' },
    ],
    // Several row groups, as DMS writes them: the footer grows with them.
    rowGroupSize: 250,
  });
  return new Uint8Array(buffer);
}

async function inventory(s3: S3Client, bucket: string): Promise<{ objects: number; bytes: number }> {
  let objects = 0;
  let bytes = 0;
  for await (const page of listObjectPages(s3, bucket, PREFIX)) {
    objects += page.length;
    bytes += page.reduce((n, o) => n + (o.Size ?? 0), 0);
  }
  return { objects, bytes };
}

async function ensureTable(s3: S3Client, bucket: string): Promise<{ generatedSeconds?: number }> {
  const present = await inventory(s3, bucket);
  if (present.objects >= FILES && present.bytes >= MIN_TOTAL_BYTES) {
    console.log(`[bench] reusing ${present.objects} files (${(present.bytes / 1024 ** 3).toFixed(2)} GiB) under s3://${bucket}/${PREFIX}`);
    return {};
  }
  console.log(`[bench] generating ${FILES} Parquet files under s3://${bucket}/${PREFIX} (once per stack)…`);
  const generatedSeconds = await putGenerated(s3, bucket, {
    count: FILES,
    concurrency: CONCURRENCY,
    logEvery: 200,
    object: async (i) => ({ key: keyOf(i), body: await parquetFile(i) }),
  });
  const after = await inventory(s3, bucket);
  if (after.bytes < MIN_TOTAL_BYTES) throw new Error(`generated only ${after.bytes} bytes; raise BENCH_FILES`);
  return { generatedSeconds };
}

/** The baseline: fetch every file whole and read its row count, with the same concurrency. */
async function downloadEverything(s3: S3Client, bucket: string) {
  let files = 0;
  let rows = 0;
  let bytes = 0;
  for await (const page of listObjectPages(s3, bucket, PREFIX)) {
    const counts = await mapBounded(page, CONCURRENCY, async (o) => {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
      const body = await object.Body!.transformToByteArray();
      return {
        rows: Number(parquetMetadata(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer).num_rows),
        bytes: body.length,
      };
    });
    for (const c of counts) {
      files++;
      rows += c.rows;
      bytes += c.bytes;
    }
  }
  return { files, rows, bytes };
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await run();
  return { value, seconds: (performance.now() - started) / 1000 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MB`;

async function main(): Promise<void> {
  const { s3, bucket } = stackS3();
  const generation = await ensureTable(s3, bucket);

  const footers = await timed(() => parquetCensus(s3, bucket, PREFIX, { concurrency: CONCURRENCY }));
  const footers64 = await timed(() => parquetCensus(s3, bucket, PREFIX, { concurrency: CONCURRENCY, tailBytes: 64 * 1024 }));
  const download = await timed(() => downloadEverything(s3, bucket));
  const census = footers.value;
  const rows = census.loadRows + census.changeRows;
  if (rows !== download.value.rows || census.problems.length)
    throw new Error(`footer rows ${rows} ≠ downloaded rows ${download.value.rows} (${census.problems.length} unreadable)`);

  const listings = [];
  let pages = 0;
  for (let i = 0; i < 3; i++) {
    pages = 0;
    listings.push(
      await timed(() => auditFileSizes(s3, bucket, PREFIX, { targetBytes: 128 * 1024 ** 2, windowHours: 24, onPage: () => pages++ })),
    );
  }
  const listSeconds = median(listings.map((l) => l.seconds));
  const audit = listings[0]!.value;

  const results = {
    benchmark: 'footer-validation',
    date: new Date().toISOString(),
    machine: s3BenchMachine(),
    table: {
      prefix: PREFIX,
      files: census.files,
      partitions: audit.partitionCount,
      rows,
      bytesStored: census.bytesStored,
      averageFileBytes: Math.round(census.bytesStored / census.files),
      generatedSeconds: generation.generatedSeconds ?? null,
    },
    footerValidation: {
      concurrency: CONCURRENCY,
      tailBytes: FOOTER_TAIL_BYTES,
      bytesRead: census.bytesRead,
      bytesReadPerFile: Math.round(census.bytesRead / census.files),
      shareOfStoredPercent: Number(((census.bytesRead / census.bytesStored) * 100).toFixed(3)),
      seconds: Number(footers.seconds.toFixed(2)),
      filesPerSecond: Math.round(census.files / footers.seconds),
    },
    footerValidationTail64KB: {
      tailBytes: 64 * 1024,
      bytesRead: footers64.value.bytesRead,
      shareOfStoredPercent: Number(((footers64.value.bytesRead / census.bytesStored) * 100).toFixed(3)),
      seconds: Number(footers64.seconds.toFixed(2)),
    },
    downloadEverything: {
      concurrency: CONCURRENCY,
      bytesRead: download.value.bytes,
      seconds: Number(download.seconds.toFixed(2)),
      megabytesPerSecond: Number((download.value.bytes / 1024 ** 2 / download.seconds).toFixed(1)),
    },
    comparison: {
      bytesReadRatio: Number((download.value.bytes / census.bytesRead).toFixed(1)),
      speedup: Number((download.seconds / footers.seconds).toFixed(1)),
    },
    notes: [
      'moto builds the whole object to answer a ranged GET, so its per-request cost is close to a full GET: in moto, wall time is bound by requests, not bytes; bytes read is the figure that carries over to S3.',
      'footer rows are checked equal to the rows counted from the downloaded files before any figure is written.',
    ],
    smallFileAudit: {
      objects: audit.objects,
      pages,
      runs: listings.map((l) => Number(l.seconds.toFixed(3))),
      medianSeconds: Number(listSeconds.toFixed(3)),
      objectsPerSecond: Math.round(audit.objects / listSeconds),
    },
  };

  const table = [
    ['measure', 'files', 'bytes read', 'of stored', 'wall time'],
    [
      `footer validation (${FOOTER_TAIL_BYTES / 1024} KB tail)`,
      String(census.files),
      mb(census.bytesRead),
      `${results.footerValidation.shareOfStoredPercent}%`,
      `${results.footerValidation.seconds} s`,
    ],
    [
      'footer validation (64 KB tail)',
      String(census.files),
      mb(footers64.value.bytesRead),
      `${results.footerValidationTail64KB.shareOfStoredPercent}%`,
      `${results.footerValidationTail64KB.seconds} s`,
    ],
    ['download every file', String(download.value.files), mb(download.value.bytes), '100%', `${results.downloadEverything.seconds} s`],
    [
      'small-file audit (listing)',
      String(audit.objects),
      '—',
      '—',
      `${results.smallFileAudit.medianSeconds} s (${results.smallFileAudit.objectsPerSecond} objects/s)`,
    ],
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  console.log(
    `\n${census.files} Parquet files, ${mb(census.bytesStored)} stored, ${rows.toLocaleString('en-US')} rows; ${results.machine.cpus} CPUs (${results.machine.cpuModel}), ${results.machine.node}`,
  );
  for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log(
    `footers read ${results.comparison.bytesReadRatio}x fewer bytes and ran ${results.comparison.speedup}x faster than downloading every file`,
  );

  const out = await writeFormattedResult('footer-validation.json', results);
  console.log(`[bench] wrote ${path.relative(process.cwd(), out)}`);
}

main().catch((error: Error) => {
  console.error(`[bench] ${error.stack ?? error.message}`);
  process.exit(1);
});
