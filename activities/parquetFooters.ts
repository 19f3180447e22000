import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parquetMetadata } from 'hyparquet';

/** Bytes fetched from the end of a file on the first try: most footers fit, the rest take one more ranged GET. */
const TAIL_GUESS = 64 * 1024;

export interface FooterResult {
  key: string;
  size: number;
  rows?: number;
  columns?: string[];
  bytesRead: number;
  error?: string;
}

async function rangedGet(s3: S3Client, bucket: string, key: string, start: number, end: number): Promise<Uint8Array> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }));
  return response.Body!.transformToByteArray();
}

/**
 * Reads a Parquet file's row count and schema from its footer only: the last 8 bytes give the footer length and
 * the `PAR1` magic, so one or two ranged GETs of the tail suffice whatever the file size. A corrupt or truncated
 * file is reported with its key, never thrown.
 */
export async function readParquetFooter(
  s3: S3Client,
  bucket: string,
  key: string,
  size: number,
  tailGuess = TAIL_GUESS,
): Promise<FooterResult> {
  if (size < 12) return { key, size, bytesRead: 0, error: `not a Parquet file: ${size} bytes is shorter than header and footer` };
  let bytesRead = 0;
  try {
    const tailStart = Math.max(0, size - tailGuess);
    let tail = await rangedGet(s3, bucket, key, tailStart, size - 1);
    bytesRead += tail.length;
    const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
    const magic = String.fromCharCode(...tail.subarray(tail.length - 4));
    if (magic !== 'PAR1') return { key, size, bytesRead, error: `not a Parquet file or truncated: the last 4 bytes are not PAR1` };
    const footerLength = view.getUint32(tail.length - 8, true);
    if (footerLength + 8 > size - 4)
      return { key, size, bytesRead, error: `corrupt Parquet footer: length ${footerLength} does not fit in ${size} bytes` };
    if (footerLength + 8 > tail.length) {
      tail = await rangedGet(s3, bucket, key, size - footerLength - 8, size - 1);
      bytesRead += tail.length;
    }
    const footer = tail.slice(tail.length - footerLength - 8);
    const metadata = parquetMetadata(footer.buffer);
    return {
      key,
      size,
      bytesRead,
      rows: Number(metadata.num_rows),
      columns: metadata.schema.slice(1).map((element) => element.name),
    };
  } catch (error) {
    return { key, size, bytesRead, error: `unreadable Parquet footer: ${(error as Error).message}` };
  }
}
