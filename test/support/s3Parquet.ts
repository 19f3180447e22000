import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { requireEnv } from './stackEnv';

/** Reads what landed in (moto's) S3 back with a Parquet reader, independent of the emulator's bookkeeping. */

export function s3(): S3Client {
  return new S3Client({
    endpoint: requireEnv('AWS_ENDPOINT_URL_S3'),
    forcePathStyle: true,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
}

export async function listObjects(client: S3Client, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

export async function fetchParquet(client: S3Client, bucket: string, key: string): Promise<ArrayBuffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await object.Body!.transformToByteArray();
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function rowCount(file: ArrayBuffer): number {
  return Number(parquetMetadata(file).num_rows);
}

export function readRows(file: ArrayBuffer): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file });
}
