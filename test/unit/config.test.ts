import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../../domain/config';
import { stackSettings } from '../../sandbox/stack/settings';
import { loadPipelineConfigFile } from '../../worker/configFile';

const sandboxFile = path.resolve(__dirname, '..', '..', 'config', 'sandbox.pipeline.yaml');

function withConfig(mutate: (raw: Record<string, any>) => void): string {
  const raw = YAML.parse(fs.readFileSync(sandboxFile, 'utf8').replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1'));
  mutate(raw);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-config-')), 'pipeline.json');
  fs.writeFileSync(file, JSON.stringify(raw));
  return file;
}

function errorOf(file: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadPipelineConfigFile(file, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('pipeline configuration', () => {
  test('the sandbox configuration is valid and fills defaults', () => {
    const config = loadPipelineConfigFile(sandboxFile, { SOURCE_DB_PORT: '3999' });
    expect(config.sources[0]!.port).toBe(3999);
    expect(config.thresholds.binlogRetentionDays).toBe(7);
    expect(config.taskGroups.map((g) => g.taskIdentifier)).toEqual(['shop-core', 'shop-events', 'shop-marketing']);
    expect(config.waits.dmsRequestsPerSecond).toBeLessThan(4);
  });

  test("the sandbox's waits for DMS work are scaled to the emulator's clock; a real pipeline gets the real defaults", () => {
    const sandbox = loadPipelineConfigFile(sandboxFile, {});
    const real = loadPipelineConfigFile(withConfig((raw) => delete raw.waits));
    const speed = stackSettings().dmsSpeed;
    // Each sandbox wait, in emulated time, is at least the real default: the rehearsal watches as much DMS work.
    expect(sandbox.waits.settleMinutes * speed).toBeGreaterThanOrEqual(real.waits.settleMinutes);
    expect(sandbox.waits.cdcCheckMinutes * speed).toBeGreaterThanOrEqual(real.waits.cdcCheckMinutes);
    expect(sandbox.waits.settleMinutes).toBeLessThanOrEqual(1);
    expect(real.waits).toMatchObject({ settleMinutes: 10, cdcCheckMinutes: 15, pollSeconds: 30 });
  });

  test('a bad field is reported with its path', () => {
    const message = errorOf(withConfig((raw) => (raw.sources[0].port = 'three')));
    expect(message).toContain('sources.0.port');
  });

  test('a password written in the file is refused', () => {
    const message = errorOf(withConfig((raw) => (raw.sources[0].password = 'hunter2')));
    expect(message).toContain('sources.0.password');
    expect(message).toContain('never the password itself');
  });

  test('a task group on an unknown instance is refused with the known ones', () => {
    const message = errorOf(withConfig((raw) => (raw.taskGroups[1].instance = 'nope-1')));
    expect(message).toContain('taskGroups.1.instance');
    expect(message).toContain('shop-repl-1');
  });

  test('task settings beyond what DMS accepts are refused with their path', () => {
    const file = withConfig((raw) => {
      raw.taskSettings = { lob: { maxSizeKb: 200000, whenLonger: 'full-lob-mode' } };
    });
    const message = errorOf(file);
    expect(message).toContain('taskSettings.lob.maxSizeKb: Too big');
    expect(message).toContain('taskSettings.lob.whenLonger');
  });

  test('unknown keys are refused rather than ignored', () => {
    expect(errorOf(withConfig((raw) => (raw.thresholds.binlogRetentionDayz = 3)))).toContain('binlogRetentionDayz');
  });

  test('an environment variable without value or default is named', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-config-')), 'p.yaml');
    fs.writeFileSync(file, fs.readFileSync(sandboxFile, 'utf8').replace('${SOURCE_DB_PORT:-3307}', '${SHOP_DB_PORT}'));
    expect(errorOf(file)).toContain('${SHOP_DB_PORT}');
  });

  test('signatures required: every approver needs a key; an allowed_signers file provides them', () => {
    const required = (raw: Record<string, any>) => (raw.approvals = { signatures: 'required' });
    const missing = errorOf(withConfig(required));
    expect(missing).toContain('approvals.keys.dba-oncall: approver "dba-oncall" has no public key while signatures are required');
    expect(missing).toContain('approvals.keys.data-platform-lead');

    const file = withConfig((raw) => (raw.approvals = { signatures: 'required', allowedSignersFile: 'team.allowed_signers' }));
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHmnXDo/CER5NmoHgMLBz3GuxvJE0xmt0eUNfCJA7T7B alice@example.com';
    fs.writeFileSync(path.join(path.dirname(file), 'team.allowed_signers'), `# the team\ndba-oncall,data-platform-lead ${key}\n`);
    const config = loadPipelineConfigFile(file, {});
    expect(config.approvals.keys).toEqual({ 'dba-oncall': [key], 'data-platform-lead': [key] });

    fs.writeFileSync(path.join(path.dirname(file), 'team.allowed_signers'), `dba-oncall namespaces="git" ${key}\n`);
    expect(errorOf(file)).toContain('team.allowed_signers:1: expected "name keytype base64", options are not supported');
    expect(errorOf(withConfig((raw) => (raw.approvals = { keys: { bob: ['not a key'] } })))).toContain(
      'approvals.keys.bob.0: must be an OpenSSH public key line',
    );
  });
});
