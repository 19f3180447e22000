import { pipelineConfigSchema } from '../../domain/config';
import { chooseLobMaxSize, lobColumns, lobSettingsOf, settingsApplied, taskSettingsJson } from '../../domain/taskSettings';
import { lobValue } from '../../sandbox/dms-emulator/dataPlane/taskSettings';

const lobDefaults = pipelineConfigSchema.shape.taskSettings.parse(undefined);

const measured = (maxBytes: number | null, timedOut = false) => ({
  columns: [{ name: 'body', dataType: 'longtext', maxBytes }],
  timedOut,
  seconds: 1,
});

describe('task settings', () => {
  it('states its defaults once: logging on, SUSPEND_TABLE, limited LOB mode at 32 KB, refuse longer values', () => {
    expect(lobDefaults).toEqual({
      logging: true,
      tableErrorPolicy: 'SUSPEND_TABLE',
      lob: { maxSizeKb: 32, whenLonger: 'refuse', raiseHeadroomPercent: 25, measureTimeoutSeconds: 600 },
    });
  });

  it('finds the columns DMS handles as LOBs', () => {
    const columns = lobColumns([
      { name: 'id', dataType: 'int' },
      { name: 'note', dataType: 'varchar' },
      { name: 'tiny', dataType: 'tinytext' },
      { name: 'doc', dataType: 'JSON' },
      { name: 'body', dataType: 'longtext' },
      { name: 'img', dataType: 'mediumblob' },
    ]);
    expect(columns).toEqual([
      { name: 'doc', dataType: 'json', kind: 'clob' },
      { name: 'body', dataType: 'longtext', kind: 'clob' },
      { name: 'img', dataType: 'mediumblob', kind: 'blob' },
    ]);
  });

  it('keeps the limit when every value fits, refuses longer values by default', () => {
    const fits = chooseLobMaxSize({
      table: 'shop.t',
      task: 'task shop-core',
      runbook: 'onboardTable',
      lob: lobDefaults.lob,
      measured: measured(32 * 1024),
    });
    expect(fits).toMatchObject({ ok: true, lobMaxSizeKb: 32, raised: false });
    const longer = chooseLobMaxSize({
      table: 'shop.t',
      task: 'task shop-core',
      runbook: 'onboardTable',
      lob: lobDefaults.lob,
      measured: measured(40_000),
    });
    expect(longer.ok).toBe(false);
    expect(!longer.ok && longer.reason).toMatch(
      /shop\.t has LOB values longer than the LobMaxSize of task shop-core, 32 KB .*body \(longtext\) 40000 bytes.*at least 40.*run onboardTable again/,
    );
  });

  it('raises the limit with headroom when configured, never lowers what the task has, refuses past 102400 KB', () => {
    const lob = { ...lobDefaults.lob, whenLonger: 'raise-limit' as const };
    expect(chooseLobMaxSize({ table: 'shop.t', task: 'task x', runbook: 'onboardTable', lob, measured: measured(40_000) })).toMatchObject({
      ok: true,
      lobMaxSizeKb: 50,
      raised: true,
    });
    const current = taskSettingsJson(lobDefaults, 500);
    expect(
      chooseLobMaxSize({
        table: 'shop.t',
        task: 'task x',
        runbook: 'onboardTable',
        lob: lobDefaults.lob,
        measured: measured(40_000),
        currentSettings: current,
      }),
    ).toMatchObject({
      ok: true,
      lobMaxSizeKb: 500,
      raised: false,
    });
    expect(
      chooseLobMaxSize({ table: 'shop.t', task: 'task x', runbook: 'onboardTable', lob, measured: measured(200 * 1024 * 1024) }).ok,
    ).toBe(false);
  });

  it('refuses when the measurement timed out rather than guess', () => {
    const decision = chooseLobMaxSize({
      table: 'shop.t',
      task: 'task x',
      runbook: 'onboardTable',
      lob: lobDefaults.lob,
      measured: measured(null, true),
    });
    expect(!decision.ok && decision.reason).toMatch(/could not be measured within 600 s/);
  });

  it('writes logging, the table-error policy and limited LOB mode over the current settings, keeping the rest', () => {
    const current = JSON.stringify({ TargetMetadata: { LobChunkSize: 64, LobMaxSize: 32 }, FullLoadSettings: { CommitRate: 500 } });
    const json = taskSettingsJson(lobDefaults, 64, current);
    expect(JSON.parse(json)).toEqual({
      TargetMetadata: { LobChunkSize: 64, LobMaxSize: 64, SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true },
      FullLoadSettings: { CommitRate: 500 },
      Logging: { EnableLogging: true },
      ErrorBehavior: { TableErrorPolicy: 'SUSPEND_TABLE' },
    });
    expect(lobSettingsOf(json)).toEqual({ supportLobs: true, fullLobMode: false, limitedSizeLobMode: true, lobMaxSizeKb: 64 });
    expect(settingsApplied(json, json)).toBe(true);
    expect(settingsApplied(current, json)).toBe(false);
    expect(lobSettingsOf(undefined).lobMaxSizeKb).toBe(32);
    const described = JSON.stringify({
      Logging: { EnableLogging: true, CloudWatchLogGroup: 'dms-tasks-x', CloudWatchLogStream: 'dms-task-y' },
    });
    expect(JSON.parse(taskSettingsJson(lobDefaults, 32, described)).Logging).toEqual({ EnableLogging: true });
  });
});

describe('the emulator cuts LOB values as limited LOB mode does', () => {
  const limited = { supportLobs: true, fullLobMode: false, lobMaxSizeKb: 1 };
  it('cuts text at LobMaxSize KB without splitting a character, leaves full LOB mode whole', () => {
    expect(lobValue('a'.repeat(1500), limited)).toBe('a'.repeat(1024));
    const cut = lobValue('é'.repeat(600), limited) as string;
    expect(Buffer.byteLength(cut)).toBe(1024);
    expect(lobValue('ab€'.repeat(400), limited)).toBe('ab€'.repeat(204) + 'ab');
    expect(lobValue('a'.repeat(1500), { ...limited, fullLobMode: true })).toBe('a'.repeat(1500));
    expect((lobValue(Buffer.alloc(3000), limited) as Buffer).byteLength).toBe(1024);
    expect(lobValue(null, limited)).toBeNull();
  });
});
