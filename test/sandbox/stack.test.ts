import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pinnedVersion, pythonEnvDir } from '../../sandbox/stack/pythonEnv';
import { LAKE_REQUIREMENTS } from '../../sandbox/stack/lake';
import { readPid } from '../../sandbox/stack/processes';
import { stackSettings } from '../../sandbox/stack/settings';
import { requireEnv } from '../support/stackEnv';

jest.setTimeout(120000);

/** The stack runs the parts the project installs itself: moto from the project's pinned Python environment. */

const root = path.resolve(__dirname, '..', '..');
const settings = stackSettings(root);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

describe('the project Python environment', () => {
  const python = path.join(pythonEnvDir(settings.toolsDir), 'bin', 'python');

  it('is the one the stack announces, and holds the pinned moto and botocore', () => {
    expect(requireEnv('SANDBOX_PYTHON')).toBe(python);
    const versions = execFileSync(python, ['-c', 'import moto, botocore; print(moto.__version__, botocore.__version__)'], {
      // No user site, no PYTHONPATH: only what the environment itself holds counts.
      env: { PATH: process.env.PATH, PYTHONNOUSERSITE: '1' },
    })
      .toString()
      .trim();
    expect(versions).toBe(`${pinnedVersion('moto')} ${pinnedVersion('botocore')}`);
  });

  it("runs the stack's moto", () => {
    const pid = readPid(settings.stackDir, 'moto');
    expect(pid).toBeDefined();
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(0, 3)).toEqual([python, '-m', 'moto.server']);
  });

  it('starts a moto server that answers S3 without any moto of the machine', async () => {
    const port = await freePort();
    const server = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      env: { PATH: process.env.PATH, PYTHONNOUSERSITE: '1' },
      stdio: 'ignore',
    });
    try {
      let answer: Response | undefined;
      for (let i = 0; i < 100 && !answer; i++) {
        answer = await fetch(`http://127.0.0.1:${port}/`).catch(async () => {
          await new Promise((r) => setTimeout(r, 200));
          return undefined;
        });
      }
      expect(answer?.status).toBe(200);
      expect(await answer!.text()).toContain('ListAllMyBucketsResult');
    } finally {
      server.kill('SIGTERM');
    }
  });
});

describe('npm run stack:status', () => {
  it('lists every part with the version it runs', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        path.join(root, 'node_modules', '.bin', 'tsx'),
        [path.join(root, 'sandbox', 'stack', 'cli.ts'), 'status'],
        (error, stdout) => (error ? reject(new Error(`stack:status failed: ${error.message}\n${stdout}`)) : resolve(stdout)),
      ),
    );
    expect(out).toMatch(/^mariadb\s+up/m);
    expect(out).toMatch(/mariadbd\s+Ver \d+\.\d+/);
    expect(out).toMatch(/^moto\s+up/m);
    expect(out).toContain(`moto ${pinnedVersion('moto')}`);
    expect(out).toMatch(/^temporal\s+up/m);
    expect(out).toMatch(/temporal version \d+\.\d+\.\d+/);
    expect(out).toMatch(/^dms\s+up/m);
    expect(out).toMatch(/dms-runbooks emulator \d+\.\d+\.\d+/);
    expect(out).toMatch(/^chromium\s+-\s+Chromium \d+/m);
    // The optional lake part is listed, up or not, with its pinned engine.
    expect(out).toMatch(/^lake\s+(up|down)/m);
    expect(out).toContain(`pyspark ${pinnedVersion('pyspark', LAKE_REQUIREMENTS)}`);
  });
});
