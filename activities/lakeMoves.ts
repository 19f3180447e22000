import { CopyObjectCommand, DeleteObjectsCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { CallRecord } from '../domain/audit';
import { activitySignal, stopIfCancelled } from './activityCancellation';
import { callRecord } from './callRecords';
import type { ActivityDeps } from './deps';
import { listObjectPages, mapBounded, putJsonObject, readJsonObject } from './s3Objects';
import { Failure } from '../contracts/failures';

export interface MoveManifest {
  from: string;
  to: string;
  objects: Array<{ key: string; size: number }>;
  bytes: number;
}

export interface MoveResult {
  record: CallRecord;
  objects: number;
  bytes: number;
  manifestKey: string;
}

const COPY_CONCURRENCY = 8;

/**
 * Moves every object under a prefix to another prefix without ever losing one: list the objects into a manifest
 * stored in S3 first, copy, verify each copy (count and sizes), and only then delete the originals. Every stage
 * skips what is already done, so a retry or a worker crash in the middle neither loses nor duplicates an object.
 */
export function lakeMoveActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;

  async function sizeOf(key: string): Promise<number | undefined> {
    try {
      const head = await deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  async function manifestFor(from: string, to: string, manifestKey: string): Promise<MoveManifest> {
    const existing = await readJsonObject<MoveManifest>(deps.s3, bucket, manifestKey);
    if (existing) {
      if (existing.from !== from || existing.to !== to)
        throw ApplicationFailure.nonRetryable(
          `manifest ${manifestKey} describes a move from ${existing.from} to ${existing.to}, not ${from} to ${to}`,
          Failure.Refused,
        );
      return existing;
    }
    const objects: Array<{ key: string; size: number }> = [];
    for await (const page of listObjectPages(deps.s3, bucket, from)) {
      for (const o of page) if (o.Key && o.Key !== manifestKey) objects.push({ key: o.Key, size: o.Size ?? 0 });
    }
    const manifest: MoveManifest = { from, to, objects, bytes: objects.reduce((sum, o) => sum + o.size, 0) };
    await putJsonObject(deps.s3, bucket, manifestKey, manifest);
    return manifest;
  }

  const destination = (manifest: MoveManifest, key: string) => manifest.to + key.slice(manifest.from.length);

  async function move(from: string, to: string, manifestKey: string, operation: string): Promise<MoveResult> {
    if (!from.endsWith('/') || !to.endsWith('/'))
      throw ApplicationFailure.nonRetryable(`prefixes must end with "/": ${from} → ${to}`, Failure.InvalidInput);
    if (to.startsWith(from) || from.startsWith(to))
      throw ApplicationFailure.nonRetryable(`cannot move ${from} into itself (${to})`, Failure.InvalidInput);
    const manifest = await manifestFor(from, to, manifestKey);
    // A cancelled move stops between objects and aborts the copies in flight: every object is then in `from`, and
    // perhaps also in `to` (copies are verified before any original is deleted), as the manifest lists them.
    const signal = activitySignal();
    const stop = (stage: string) =>
      stopIfCancelled(
        signal,
        `move ${from} → ${to} stopped while ${stage}; every object listed in ${manifestKey} is under ${from} or ${to} (or both)`,
      );
    let copied = 0;
    let skipped = 0;
    // 1. Copy what is not there yet (a copy of the right size from an earlier attempt counts as done).
    await mapBounded(manifest.objects, COPY_CONCURRENCY, async (object) => {
      stop(`copying (${copied} copied)`);
      const target = destination(manifest, object.key);
      if ((await sizeOf(target)) === object.size) {
        skipped++;
        heartbeat({ copied, skipped });
        return;
      }
      if ((await sizeOf(object.key)) === undefined) {
        throw ApplicationFailure.nonRetryable(
          `s3://${bucket}/${object.key} vanished before it was copied to ${target}; nothing was deleted — investigate before retrying`,
          Failure.MoveLostObject,
        );
      }
      await deps.s3.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: target,
          CopySource: `${bucket}/${encodeURIComponent(object.key).replace(/%2F/g, '/')}`,
        }),
        { abortSignal: signal },
      );
      copied++;
      // Every copy: a few large objects can take longer than the heartbeat timeout (the SDK throttles the calls).
      heartbeat({ copied, skipped });
    });
    // 2. Verify every copy: count and sizes, before anything is deleted.
    const sizes = await mapBounded(manifest.objects, COPY_CONCURRENCY, async (object) => {
      const size = await sizeOf(destination(manifest, object.key));
      heartbeat({ verifying: object.key });
      return size;
    });
    const bad = manifest.objects.filter((object, i) => sizes[i] !== object.size);
    if (bad.length) {
      throw ApplicationFailure.create({
        message: `copy verification failed for ${bad.length} of ${manifest.objects.length} objects (first: ${bad[0]!.key}); nothing was deleted`,
        type: Failure.MoveVerificationFailed,
      });
    }
    // 3. Delete the originals, 1,000 keys per call; keys already gone were deleted by an earlier attempt.
    for (let i = 0; i < manifest.objects.length; i += 1000) {
      stop(`deleting the originals (${i} deleted)`);
      const chunk = manifest.objects.slice(i, i + 1000);
      await deps.s3.send(
        new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: chunk.map((o) => ({ Key: o.key })), Quiet: true } }),
      );
      heartbeat({ deleted: i + chunk.length });
    }
    return {
      record: callRecord(
        's3',
        operation,
        `s3://${bucket}/${from}`,
        manifest.objects.length === 0 ? 'skipped' : 'done',
        `${manifest.objects.length} objects (${manifest.bytes} bytes) → s3://${bucket}/${to}; ${copied} copied now, ${skipped} already copied`,
        {
          from,
          to,
          manifestKey,
        },
      ),
      objects: manifest.objects.length,
      bytes: manifest.bytes,
      manifestKey,
    };
  }

  return {
    /** Moves `from` to `to` through a manifest at `manifestKey` (see above); the operation names the audit entry. */
    async moveObjects(input: { from: string; to: string; manifestKey: string; operation: string }): Promise<MoveResult> {
      return move(input.from, input.to, input.manifestKey, input.operation);
    },

    /** Deletes every object under a prefix (a quarantine being finalized, a staging area discarded). */
    async deletePrefix(input: { prefix: string; operation: string }): Promise<CallRecord> {
      if (!input.prefix.endsWith('/') || input.prefix.split('/').filter(Boolean).length < 2) {
        throw ApplicationFailure.nonRetryable(
          `refusing to delete ${input.prefix}: a prefix must be at least two folders deep and end with "/"`,
          Failure.InvalidInput,
        );
      }
      let objects = 0;
      let bytes = 0;
      for await (const page of listObjectPages(deps.s3, bucket, input.prefix)) {
        if (page.length === 0) continue;
        await deps.s3.send(
          new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: page.map((o) => ({ Key: o.Key! })), Quiet: true } }),
        );
        objects += page.length;
        bytes += page.reduce((sum, o) => sum + (o.Size ?? 0), 0);
        heartbeat({ deleted: objects });
      }
      return callRecord(
        's3',
        input.operation,
        `s3://${bucket}/${input.prefix}`,
        objects ? 'done' : 'skipped',
        `${objects} objects (${bytes} bytes) deleted`,
        { prefix: input.prefix },
      );
    },
  };
}
