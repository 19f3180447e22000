import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function startWorker(configText: string) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-worker-')), 'pipeline.yaml');
  fs.writeFileSync(file, configText);
  return spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['worker/main.ts'], {
    cwd: root,
    env: { ...process.env, DMS_RUNBOOKS_CONFIG: file, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    encoding: 'utf8',
    timeout: 60000,
  });
}

describe('worker start', () => {
  test('a bad configuration stops the worker at start with the path of the bad field', () => {
    const sandbox = fs.readFileSync(path.join(root, 'config', 'sandbox.pipeline.yaml'), 'utf8');
    const result = startWorker(sandbox.replace('binlogRetentionDays: 7', 'binlogRetentionDays: -2'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('invalid pipeline configuration');
    expect(result.stderr).toContain('thresholds.binlogRetentionDays: Too small');
  });

  test('a missing configuration file is named', () => {
    const result = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['worker/main.ts'], {
      cwd: root,
      env: { ...process.env, DMS_RUNBOOKS_CONFIG: '/nonexistent/pipeline.yaml' },
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('/nonexistent/pipeline.yaml');
  });
});
