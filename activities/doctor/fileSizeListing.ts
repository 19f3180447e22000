import type { S3Client } from '@aws-sdk/client-s3';
import { addObject, FileSizeSummary, newFileSizeAudit, summarizeAudit } from '../../domain/doctor/fileSizeAudit';
import { listObjectPages } from '../s3Objects';

/**
 * The small-file audit of a table prefix: pages through ListObjectsV2 (1,000 keys a page, continuation tokens)
 * and folds each page into running totals, so memory does not grow with the number of objects.
 */
export async function auditFileSizes(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { targetBytes: number; windowHours: number; onPage?: (progress: { objects: number }) => void },
): Promise<FileSizeSummary> {
  const audit = newFileSizeAudit(prefix, options.targetBytes);
  for await (const page of listObjectPages(s3, bucket, prefix)) {
    for (const object of page) {
      addObject(audit, { key: object.Key ?? '', size: object.Size ?? 0, lastModifiedMs: object.LastModified?.getTime() });
    }
    options.onPage?.({ objects: audit.objects });
  }
  return summarizeAudit(audit, options.windowHours);
}
