import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A DMS emulator process of a test's own (own port, own state file), for what would disturb the shared one:
 * global faults (throttling, transient errors), a full reset, and stopping and restarting the process.
 * It uses the stack's MariaDB and moto.
 */
export class PrivateDmsEmulator {
  private child?: ChildProcess;
  readonly stateFile: string;
  readonly endpoint: string;
  readonly adminUrl: string;

  private constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {
    this.stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dms-emulator-')), 'state.json');
    this.endpoint = `http://127.0.0.1:${port}`;
    this.adminUrl = `${this.endpoint}/_admin`;
  }

  static async create(env: Record<string, string> = {}): Promise<PrivateDmsEmulator> {
    return new PrivateDmsEmulator(await freePort(), env);
  }

  async start(): Promise<void> {
    const root = path.resolve(__dirname, '..', '..');
    const log = fs.openSync(`${this.stateFile}.log`, 'a');
    this.child = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, 'sandbox', 'dms-emulator', 'main.ts')], {
      cwd: root,
      // Its own process group: tsx runs node as a child, and both must stop together.
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        DMS_EMULATOR_PORT: String(this.port),
        DMS_EMULATOR_STATE_FILE: this.stateFile,
        DMS_EMULATOR_SPEED: '600',
        DMS_EMULATOR_METRICS_INTERVAL_MS: '500',
        ...this.env,
      },
    });
    fs.closeSync(log);
    const deadline = Date.now() + 30000;
    while (Date.now() < deadline) {
      try {
        if ((await fetch(`${this.adminUrl}/health`)).ok) return;
      } catch {
        /* not yet listening */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`private DMS emulator did not start; log: ${fs.readFileSync(`${this.stateFile}.log`, 'utf8')}`);
  }

  /** SIGTERM, as `stack:down` does; resolves when the process has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    this.child = undefined;
  }

  /** Stops it and removes its state file and log. */
  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(path.dirname(this.stateFile), { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}
