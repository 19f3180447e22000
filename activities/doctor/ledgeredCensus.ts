import type { S3Client } from '@aws-sdk/client-s3';
import { CensusEntry, CensusLedger, checkpointDue, checkpointEntries, previousEntries } from '../../domain/doctor/censusLedger';
import type { ParquetCensus } from '../../domain/doctor/rowValidation';
import { putJsonObject, readJsonObject } from '../s3Objects';
import { CensusOptions, parquetCensus } from './parquetCensus';

export interface LedgeredCensusOptions extends Pick<CensusOptions, 'concurrency' | 'onPage'> {
  /** When the census is taken: the ledger's `at`. */
  at: string;
  /** Read every footer again, ignoring the previous ledger (a new ledger is still written). */
  fullCensus?: boolean;
  /** How often a long census writes its ledger part-way (default CENSUS_CHECKPOINT_MS); for tests. */
  checkpointEveryMs?: number;
  /** Told of each ledger written part-way. */
  onCheckpoint?: (entries: number) => void;
}

/**
 * One table's census as the doctor takes it: the previous run's ledger read from the bucket, only new or rewritten
 * files' footers read, and the new ledger written back for the next run — also part-way through a long census, so
 * a retried activity resumes instead of starting again. One function for the doctor (validationCheck) and the
 * census benchmark, so the benchmark measures the code that runs.
 */
export async function ledgeredCensus(
  s3: S3Client,
  bucket: string,
  prefix: string,
  ledgerKey: string,
  options: LedgeredCensusOptions,
): Promise<ParquetCensus> {
  const previous = options.fullCensus
    ? new Map<string, CensusEntry>()
    : previousEntries(await readJsonObject(s3, bucket, ledgerKey), prefix);
  const entries: CensusEntry[] = [];
  const write = (list: CensusEntry[]) =>
    putJsonObject(s3, bucket, ledgerKey, { version: 1, prefix, at: options.at, entries: list } satisfies CensusLedger);
  let lastAt = Date.now();
  let readAtCheckpoint = 0;
  const census = await parquetCensus(s3, bucket, prefix, {
    concurrency: options.concurrency,
    previous,
    entries,
    onPage: async (progress) => {
      await options.onPage?.(progress);
      const read = progress.files - progress.filesReused;
      if (!checkpointDue({ now: Date.now(), lastAt, footersReadSince: read - readAtCheckpoint }, options.checkpointEveryMs)) return;
      const partial = checkpointEntries(entries, previous);
      await write(partial);
      options.onCheckpoint?.(partial.length);
      lastAt = Date.now();
      readAtCheckpoint = read;
    },
  });
  await write(entries);
  return census;
}
