import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, _Object } from '@aws-sdk/client-s3';

/**
 * Pages through a prefix with ListObjectsV2 continuation tokens, one page (≤ 1,000 keys) at a time, so a prefix
 * of millions of objects never sits in memory at once.
 */
export async function* listObjectPages(s3: S3Client, bucket: string, prefix: string): AsyncGenerator<_Object[]> {
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: 1000 }));
    yield page.Contents ?? [];
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/**
 * The partition folder of a key under a table prefix: `dms/shop/orders/20261128/LOAD1.parquet` → `20261128`;
 * with `depth` 3, `dms/shop/orders/2026/11/28/LOAD1.parquet` → `2026/11/28` (slash-delimited date partitions).
 */
export function partitionOf(tablePrefix: string, key: string, depth = 1): string {
  const folders = key.slice(tablePrefix.length).split('/').slice(0, -1);
  return folders.length < depth ? folders.join('/') : folders.slice(0, depth).join('/');
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function mapBounded<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  });
  await Promise.all(runners);
  return results;
}

/** A JSON object of the bucket, or undefined when there is none at that key. */
export async function readJsonObject<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return JSON.parse(await object.Body!.transformToString()) as T;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

export function putJsonObject(s3: S3Client, bucket: string, key: string, value: unknown) {
  return s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value), ContentType: 'application/json' }));
}
