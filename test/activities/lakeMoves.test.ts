import { PutObjectCommand } from '@aws-sdk/client-s3';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { listObjectPages } from '../../activities/s3Objects';
import { activityHarness } from '../support/activityHarness';
import { uniqueName } from '../support/scratchTables';

/** Moving a prefix (quarantine, restore, publish) against moto's S3: nothing lost, nothing duplicated. */

let h: Awaited<ReturnType<typeof activityHarness>>;
beforeAll(async () => {
  h = await activityHarness();
});
afterAll(() => h.close());

const bucket = () => h.deps.config.target.bucket;

async function put(prefix: string, count: number): Promise<Map<string, number>> {
  const objects = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const key = `${prefix}2026060${i % 3}/LOAD${String(i).padStart(8, '0')}.parquet`;
    const body = Buffer.alloc(100 + i * 7, i);
    await h.deps.s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body }));
    objects.set(key, body.length);
  }
  return objects;
}

async function inventory(prefix: string): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const page of listObjectPages(h.deps.s3, bucket(), prefix)) for (const o of page) found.set(o.Key!, o.Size!);
  return found;
}

const relative = (prefix: string, objects: Map<string, number>) => new Map([...objects].map(([k, v]) => [k.slice(prefix.length), v]));

describe('moveObjects', () => {
  test('cancelled while copying: stops between objects, deletes nothing, and a second call completes the move', async () => {
    const root = `tests/moves/${uniqueName('c')}/`;
    const from = `${root}dms/shop/orders/`;
    const to = `${root}_quarantine/run-c/dms/shop/orders/`;
    const manifestKey = `${root}_quarantine/run-c/_manifest.json`;
    const before = await put(from, 40);
    const env = new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR') });
    env.on('heartbeat', (details: { copied?: number }) => {
      if ((details.copied ?? 0) >= 3) env.cancel();
    });
    const error = await env.run(h.activities.moveObjects, { from, to, manifestKey, operation: 'QuarantineTable' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledFailure);
    expect((error as Error).message).toContain(`every object listed in ${manifestKey} is under ${from} or ${to}`);
    // Every original is still there; the copies made so far are a part of them, none deleted.
    expect(await inventory(from)).toEqual(before);
    const copied = relative(to, await inventory(to));
    expect(copied.size).toBeGreaterThanOrEqual(3);
    expect(copied.size).toBeLessThan(before.size);

    const finished = await h.run(h.activities.moveObjects, { from, to, manifestKey, operation: 'QuarantineTable' });
    expect(finished.objects).toBe(40);
    expect(await inventory(from)).toEqual(new Map());
    expect(relative(to, await inventory(to))).toEqual(relative(from, before));
  });

  test('moves every object with its size, then the originals are gone; a second call changes nothing', async () => {
    const root = `tests/moves/${uniqueName('m')}/`;
    const from = `${root}dms/shop/orders/`;
    const to = `${root}_quarantine/run-1/dms/shop/orders/`;
    const before = await put(from, 23);
    const result = await h.run(h.activities.moveObjects, {
      from,
      to,
      manifestKey: `${root}_quarantine/run-1/_manifest.json`,
      operation: 'QuarantineTable',
    });
    expect(result.objects).toBe(23);
    expect(result.record.outcome).toBe('done');
    expect(await inventory(from)).toEqual(new Map());
    expect(relative(to, await inventory(to))).toEqual(relative(from, before));

    const again = await h.run(h.activities.moveObjects, {
      from,
      to,
      manifestKey: `${root}_quarantine/run-1/_manifest.json`,
      operation: 'QuarantineTable',
    });
    expect(again.record.detail).toContain('0 copied now, 23 already copied');
    expect(relative(to, await inventory(to))).toEqual(relative(from, before));
  });

  test('after a crash between copy and delete, a retry finishes without copying twice or losing an object', async () => {
    const root = `tests/moves/${uniqueName('m')}/`;
    const from = `${root}src/`;
    const to = `${root}dst/`;
    const manifestKey = `${root}manifest.json`;
    const before = await put(from, 12);
    // The first attempt: manifest written and some copies made, then the worker died.
    await h.run(h.activities.moveObjects, { from, to, manifestKey, operation: 'Move' });
    // Put the originals back as if the delete had not happened yet.
    for (const [key, size] of before)
      await h.deps.s3.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: Buffer.alloc(size, 1) }));
    const retry = await h.run(h.activities.moveObjects, { from, to, manifestKey, operation: 'Move' });
    expect(retry.record.detail).toContain('0 copied now, 12 already copied');
    expect(await inventory(from)).toEqual(new Map());
    expect((await inventory(to)).size).toBe(12);
  });

  test('a stale object of another size at the destination is replaced by the copy, sizes then match', async () => {
    const root = `tests/moves/${uniqueName('m')}/`;
    const from = `${root}src/`;
    const to = `${root}dst/`;
    const before = await put(from, 3);
    const [firstKey] = [...before.keys()];
    // A stale object of another size already sits at one destination key.
    await h.deps.s3.send(new PutObjectCommand({ Bucket: bucket(), Key: to + firstKey!.slice(from.length), Body: Buffer.alloc(1) }));
    const moved = await h.run(h.activities.moveObjects, { from, to, manifestKey: `${root}m.json`, operation: 'Move' });
    expect(moved.objects).toBe(3);
    expect(relative(to, await inventory(to))).toEqual(relative(from, before));
  });

  test('refuses to move a prefix into itself, or to delete a shallow prefix', async () => {
    await expect(
      h.run(h.activities.moveObjects, { from: 'dms/shop/', to: 'dms/shop/x/', manifestKey: 'm.json', operation: 'Move' }),
    ).rejects.toThrow('into itself');
    await expect(h.run(h.activities.deletePrefix, { prefix: 'dms/', operation: 'Delete' })).rejects.toThrow('at least two folders deep');
  });

  test('deletePrefix removes everything under the prefix and nothing beside it', async () => {
    const root = `tests/moves/${uniqueName('m')}/`;
    await put(`${root}gone/`, 5);
    const kept = await put(`${root}kept/`, 2);
    const record = await h.run(h.activities.deletePrefix, { prefix: `${root}gone/`, operation: 'DeleteQuarantine' });
    expect(record.detail).toContain('5 objects');
    expect(await inventory(`${root}gone/`)).toEqual(new Map());
    expect(await inventory(`${root}kept/`)).toEqual(kept);
  });
});
