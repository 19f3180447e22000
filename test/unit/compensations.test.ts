import { cancellationToMarkdown, UndoRecord, undoSummary } from '../../domain/cancellation';
import { Compensations } from '../../workflows/engine/compensations';

/** The engine's undo registry: newest first, a failure recorded with its command, the next undos still run. */

test('undos run newest first; a failed one is recorded, not swallowed; left and dropped entries are not run', async () => {
  const ran: string[] = [];
  const c = new Compensations();
  c.add({ what: 'resume task t1', command: 'aws dms start-replication-task t1', undo: () => Promise.resolve(void ran.push('t1')) });
  c.add({ what: 'task t2 stays stopped', command: 'aws dms start-replication-task t2' });
  const drop = c.add({ what: 'never undone', command: 'x', undo: () => Promise.resolve(void ran.push('dropped')) });
  c.add({
    what: 'restore mapping',
    command: 'aws dms modify-replication-task m',
    undo: () => Promise.reject(new Error('InvalidResourceStateFault')),
  });
  c.add({ what: 'move files back', command: 'aws s3 mv a b', undo: () => Promise.resolve(`${ran.push('files')} moved`) });
  drop();
  const records: UndoRecord[] = [];
  const seen: string[] = [];
  await c.runAll(
    records,
    () => seen.push(records.map((r) => r.state).join(',')),
    (e) => (e as Error).message,
  );

  expect(ran).toEqual(['files', 't1']);
  expect(records).toEqual([
    { what: 'move files back', state: 'done', command: 'aws s3 mv a b', detail: '1 moved' },
    { what: 'restore mapping', state: 'failed', command: 'aws dms modify-replication-task m', detail: 'InvalidResourceStateFault' },
    { what: 'task t2 stays stopped', state: 'left', command: 'aws dms start-replication-task t2' },
    { what: 'resume task t1', state: 'done', command: 'aws dms start-replication-task t1' },
  ]);
  // The status shows each undo running before it ends.
  expect(seen[0]).toBe('pending,pending,left,pending');
  expect(seen).toContain('running,pending,left,pending');
  expect(c.size).toBe(0);

  expect(undoSummary(records)).toBe('2 undone, 1 FAILED (finish by hand with the commands listed), 1 left in place (commands listed)');
  const markdown = cancellationToMarkdown({
    at: '2026-12-01T10:00:00.000Z',
    requestedBy: 'dba-oncall',
    reason: 'wrong table',
    duringStep: 'apply',
    undo: records,
  });
  expect(markdown).toContain('Cancelled by dba-oncall (wrong table) at 2026-12-01T10:00:00.000Z during step `apply`.');
  expect(markdown).toContain('- FAILED · restore mapping — InvalidResourceStateFault\n  by hand: `aws dms modify-replication-task m`');
  expect(markdown).not.toContain('by hand: `aws s3 mv a b`');
});
