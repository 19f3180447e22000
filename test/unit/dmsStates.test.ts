import { stoppedAfterOwnStart, TableStatSnapshot, TaskSnapshot, tablesVerdict, taskHasRun, taskVerdict } from '../../domain/dmsStates';
import { stopReasonAdvice } from '../../domain/stopReasons';

const task = (extra: Partial<TaskSnapshot>): TaskSnapshot => ({
  arn: 'arn:aws:dms:us-east-1:123456789012:task:T',
  identifier: 't',
  status: 'ready',
  ...extra,
});

describe('taskHasRun', () => {
  it('is false only for a task with no trace of a run', () => {
    expect(taskHasRun(task({}))).toBe(false);
    expect(taskHasRun(task({ status: 'failed' }))).toBe(false);
  });

  it('is true on any trace of a run, not only StartDate: a Modify may leave a task that ran `ready`', () => {
    expect(taskHasRun(task({ startDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ stopDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ freshStartDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ fullLoadStartDate: '2026-06-01T00:00:00.000Z' }))).toBe(true);
    expect(taskHasRun(task({ recoveryCheckpoint: 'checkpoint:V1#1#mysql-bin.000001:4:0:0:0:0' }))).toBe(true);
    expect(taskHasRun(task({ status: 'stopped' }))).toBe(true);
  });
});

describe('stop reasons as DMS reports them', () => {
  const stopped = (reason: string, extra: Partial<TaskSnapshot> = {}) =>
    task({ status: 'stopped', stopReason: `Stop Reason ${reason}`, migrationType: 'full-load-and-cdc', ...extra });
  const why = (verdict: ReturnType<typeof taskVerdict>) => (verdict.kind === 'reached' ? '' : verdict.why);

  it('a wait for running fails on a stop after the full load, naming the setting and the next step', () => {
    const notApplied = taskVerdict(stopped('STOPPED_AFTER_FULL_LOAD'), 'running');
    expect(notApplied.kind).toBe('failed');
    expect(why(notApplied)).toContain('task t is stopped (STOPPED_AFTER_FULL_LOAD) instead of running');
    expect(why(notApplied)).toContain('StopTaskCachedChangesNotApplied is true');
    expect(why(notApplied)).toContain('resume-processing');
    expect(why(taskVerdict(stopped('STOPPED_AFTER_CACHED_EVENTS'), 'running'))).toContain('StopTaskCachedChangesApplied is true');
    expect(why(taskVerdict(stopped('FULL_LOAD_ONLY_FINISHED'), 'running'))).toContain('without running CDC');
  });

  it('a wait for running keeps waiting on a user stop (it may be the stop before the start) and on DMS restarts', () => {
    expect(taskVerdict(stopped('NORMAL'), 'running').kind).toBe('waiting');
    expect(taskVerdict(stopped('RECYCLE_TASK'), 'running').kind).toBe('waiting');
    expect(taskVerdict(stopped('RECONFIGURATION_RESTART'), 'running').kind).toBe('waiting');
  });

  it("a user stop after the runbook's own start (Describe shows the new start) fails the wait at once, naming it", () => {
    const userStopped = stopped('NORMAL');
    expect(stoppedAfterOwnStart(userStopped, 'running', false)).toBeUndefined();
    expect(stoppedAfterOwnStart(userStopped, 'stopped', true)).toBeUndefined();
    expect(stoppedAfterOwnStart(stopped('STOPPED_AFTER_FULL_LOAD'), 'running', true)).toBeUndefined();
    const verdict = stoppedAfterOwnStart(userStopped, 'running', true);
    expect(verdict).toMatchObject({
      kind: 'failed',
      why: expect.stringContaining(
        'task t is stopped (NORMAL) after this runbook started it: stopped by a StopReplicationTask call',
      ) as unknown,
    });
  });

  it('errors name the reason and what to do; the task log message follows', () => {
    const recoverable = taskVerdict(stopped('RECOVERABLE_ERROR', { lastFailureMessage: 'Lost connection' }), 'running');
    expect(why(recoverable)).toContain('RecoverableErrorCount');
    expect(why(recoverable)).toContain('LastFailureMessage: Lost connection');
    const fatal = taskVerdict(task({ status: 'failed', stopReason: 'Stop Reason FATAL_ERROR', lastFailureMessage: 'boom' }), 'running');
    expect(fatal.kind).toBe('failed');
    expect(why(fatal)).toContain('boom');
    expect(why(fatal)).toContain('TableErrorPolicy');
    expect(why(taskVerdict(stopped('STOPPED_DUE_TO_LOW_DISK'), 'running'))).toContain('AllocatedStorage');
  });

  it('every "Full load completed" reason ends a wait for the full load; other stops fail it', () => {
    for (const reason of ['FULL_LOAD_ONLY_FINISHED', 'STOPPED_AFTER_FULL_LOAD', 'STOPPED_AFTER_CACHED_EVENTS'])
      expect(taskVerdict(stopped(reason), 'full-load-finished').kind).toBe('reached');
    expect(taskVerdict(stopped('NORMAL'), 'full-load-finished').kind).toBe('failed');
  });

  it('a running task retrying a recoverable error says so while the wait goes on', () => {
    const waiting = taskVerdict(task({ status: 'starting', lastFailureMessage: 'Lost connection to MySQL server' }), 'running');
    expect(waiting).toEqual({ kind: 'waiting', why: 'task t is starting; LastFailureMessage: Lost connection to MySQL server' });
    expect(stopReasonAdvice(undefined)).toContain('no StopReason');
  });
});

describe('table states as DMS reports them', () => {
  const tables = [{ schema: 'shop', table: 'orders' }];
  const stat = (state: string): TableStatSnapshot => ({
    schema: 'shop',
    table: 'orders',
    state,
    fullLoadRows: 0,
    inserts: 0,
    updates: 0,
    deletes: 0,
    ddls: 0,
  });
  const running = task({ status: 'running', migrationType: 'full-load-and-cdc' });
  const verdict = (state: string, t: TaskSnapshot = running) => tablesVerdict(t, [stat(state)], tables);

  it('fails on error, cancelled and does-not-exist, each with what to do', () => {
    expect(verdict('Table error')).toMatchObject({ kind: 'failed', why: expect.stringContaining('ReloadTables') as unknown });
    expect(verdict('Table cancelled')).toMatchObject({ kind: 'failed', why: expect.stringContaining('resume-processing') as unknown });
    expect(verdict('Table does not exist')).toMatchObject({
      kind: 'failed',
      why: expect.stringContaining(
        'shop.orders is in "Table does not exist" in task t: DMS cannot find the table on the source',
      ) as unknown,
    });
  });

  it('waits while loading or reloading, and while the task starts (states of the previous run)', () => {
    for (const state of ['Before load', 'Full load', 'Table is being reloaded']) expect(verdict(state).kind).toBe('waiting');
    expect(verdict('Table cancelled', task({ status: 'starting' })).kind).toBe('waiting');
    expect(verdict('Table completed').kind).toBe('reached');
  });

  it('a table error that stops the task (ErrorBehavior STOP_TASK) fails the wait whether DMS shows it failed or stopped', () => {
    for (const status of ['failed', 'stopped']) {
      const stoppedTask = task({
        status,
        stopReason: 'Stop Reason FATAL_ERROR',
        migrationType: 'full-load-and-cdc',
        lastFailureMessage: 'x failed; the task stopped: ErrorBehavior.TableErrorPolicy is STOP_TASK',
      });
      const verdict = tablesVerdict(stoppedTask, [stat('Table error')], tables);
      expect(verdict).toMatchObject({ kind: 'failed', why: expect.stringContaining('TableErrorPolicy is STOP_TASK') as unknown });
    }
  });

  it('a full-load-and-cdc task stopped after its full load is not done, though its tables completed', () => {
    const after = tablesVerdict(
      task({ status: 'stopped', stopReason: 'Stop Reason STOPPED_AFTER_FULL_LOAD', migrationType: 'full-load-and-cdc' }),
      [stat('Table completed')],
      tables,
    );
    expect(after).toMatchObject({ kind: 'failed', why: expect.stringContaining('after its full load') as unknown });
    const fullLoadTask = task({ status: 'stopped', stopReason: 'Stop Reason FULL_LOAD_ONLY_FINISHED', migrationType: 'full-load' });
    expect(tablesVerdict(fullLoadTask, [stat('Table completed')], tables).kind).toBe('reached');
  });
});
