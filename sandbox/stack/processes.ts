import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** Starting, finding and stopping the stack's background processes through pid files under .stack/. */

export function pidFile(stackDir: string, name: string): string {
  return path.join(stackDir, `${name}.pid`);
}

export function readPid(stackDir: string, name: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(pidFile(stackDir, name), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logHint: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s; see ${logHint()}`);
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  stackDir: string;
  logsDir: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Starts a detached process that outlives this script, with its output in .stack/logs/<name>.log. */
export function startDetached(options: StartOptions): number {
  fs.mkdirSync(options.logsDir, { recursive: true });
  const logPath = path.join(options.logsDir, `${options.name}.log`);
  const out = fs.openSync(logPath, 'a');
  const child = spawn(options.command, options.args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
    cwd: options.cwd,
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not spawn ${options.command}`);
  child.unref();
  fs.writeFileSync(pidFile(options.stackDir, options.name), String(child.pid));
  return child.pid;
}

export async function stopProcess(stackDir: string, name: string, timeoutMs = 15000): Promise<boolean> {
  const pid = readPid(stackDir, name);
  if (!isAlive(pid)) {
    fs.rmSync(pidFile(stackDir, name), { force: true });
    return false;
  }
  // The whole process group: wrappers such as `python -m` or tsx have children.
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid!, sig);
    } catch {
      try {
        process.kill(pid!, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isAlive(pid)) signal('SIGKILL');
  fs.rmSync(pidFile(stackDir, name), { force: true });
  return true;
}

export function tailLog(logsDir: string, name: string, lines = 15): string {
  try {
    const text = fs
      .readFileSync(path.join(logsDir, `${name}.log`), 'utf8')
      .trimEnd()
      .split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
