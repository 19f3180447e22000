import fs from 'node:fs';
import path from 'node:path';
import { chromiumVersion } from './chromium';
import { Component, ComponentError } from './component';
import { dmsEmulatorComponent } from './dmsEmulator';
import { mariadbComponent } from './mariadb';
import { lakeComponent } from './lake';
import { motoComponent } from './moto';
import { ensureApproverKeys } from './approverKeys';
import { StackSettings, stackSettings } from './settings';
import { writeStackEnv } from './stackEnv';
import { temporalComponent } from './temporal';

/** `npm run stack:up | stack:down | stack:status`: the local stack of real parts on 127.0.0.1. */

const log = (line: string) => console.log(`[stack] ${line}`);

function components(s: StackSettings): Component[] {
  return [mariadbComponent(s, log), motoComponent(s, log), temporalComponent(s, log), dmsEmulatorComponent(s, log)];
}

/** Parts `stack up` leaves out (heavy): started by `stack up <name>` or by the suites that need them; stopped by `down`. */
function optionalComponents(s: StackSettings): Component[] {
  return [lakeComponent(s, log)];
}

function baseEnv(s: StackSettings): Record<string, string> {
  return {
    AWS_REGION: s.region,
    AWS_ACCESS_KEY_ID: 'sandbox',
    AWS_SECRET_ACCESS_KEY: 'sandbox',
    DMS_RUNBOOKS_CONFIG: path.join(s.root, 'config', 'sandbox.pipeline.yaml'),
    STACK_DIR: s.stackDir,
  };
}

async function up(s: StackSettings, extra: string[]): Promise<number> {
  fs.mkdirSync(s.logsDir, { recursive: true });
  const optional = optionalComponents(s);
  const unknown = extra.filter((name) => !optional.some((part) => part.name === name));
  if (unknown.length > 0) {
    console.error(`[stack] unknown part ${unknown.join(', ')}; optional parts: ${optional.map((p) => p.name).join(', ')}`);
    return 2;
  }
  // The sandbox configuration names the people's keys: they exist before any part reads it.
  const keys = ensureApproverKeys(s, log);
  Object.assign(process.env, keys);
  const parts = [...components(s), ...optional.filter((part) => extra.includes(part.name))];
  // Parts start in waves: each wave holds the parts whose dependencies are up; a failure skips its dependents.
  const results: PromiseSettledResult<void>[] = new Array<PromiseSettledResult<void>>(parts.length);
  const done = new Set<string>();
  const failed = new Set<string>();
  while (done.size + failed.size < parts.length) {
    const wave = parts.filter(
      (part) => !done.has(part.name) && !failed.has(part.name) && (part.dependsOn ?? []).every((d) => done.has(d) || failed.has(d)),
    );
    if (wave.length === 0) throw new Error('stack components have a dependency cycle');
    const settled = await Promise.allSettled(
      wave.map(async (part) => {
        const missing = (part.dependsOn ?? []).filter((d) => failed.has(d));
        if (missing.length > 0) throw new Error(`not started: ${missing.join(', ')} failed`);
        if (await part.isUp()) {
          log(`${part.name} already up at ${part.address}`);
        } else {
          log(`starting ${part.name}`);
          await part.start();
          log(`${part.name} up at ${part.address}`);
        }
        await part.seed?.();
      }),
    );
    settled.forEach((result, i) => {
      const part = wave[i]!;
      results[parts.indexOf(part)] = result;
      (result.status === 'fulfilled' ? done : failed).add(part.name);
    });
  }
  const failures = results.flatMap((result, i) =>
    result.status === 'rejected' ? [{ part: parts[i]!, error: result.reason as Error }] : [],
  );
  if (failures.length > 0) {
    for (const { part, error } of failures) {
      const detail =
        error instanceof ComponentError
          ? error.message
          : `${part.name}: ${error.message}\n  fix: read ${s.logsDir}/${part.name}.log, then npm run stack:down && npm run stack:up`;
      console.error(`[stack] FAILED ${detail}`);
    }
    return 1;
  }
  // An optional part already running (started by an earlier `up lake` or a suite) keeps its addresses in .stack/env.
  const running: Component[] = [];
  for (const part of optional) if (!parts.includes(part) && (await part.isUp())) running.push(part);
  const env: Record<string, string> = Object.assign(baseEnv(s), keys, ...[...parts, ...running].map((part) => part.env())) as Record<
    string,
    string
  >;
  const file = writeStackEnv(s, env);
  log(`addresses written to ${file}`);
  return 0;
}

async function down(s: StackSettings): Promise<number> {
  for (const part of [...components(s), ...optionalComponents(s)].reverse()) {
    const stopped = await part.stop();
    log(`${part.name} ${stopped ? 'stopped' : 'was not running'}`);
  }
  fs.rmSync(path.join(s.stackDir, 'env'), { force: true });
  return 0;
}

async function status(s: StackSettings): Promise<number> {
  let allUp = true;
  for (const part of components(s)) {
    const upNow = await part.isUp();
    allUp &&= upNow;
    console.log(`${part.name.padEnd(10)} ${upNow ? 'up  ' : 'down'}  ${part.address}`);
    console.log(`${''.padEnd(16)}${part.version() ?? 'not installed yet'}`);
  }
  // Optional parts are shown, but the stack is up without them.
  for (const part of optionalComponents(s)) {
    const upNow = await part.isUp();
    console.log(`${part.name.padEnd(10)} ${upNow ? 'up  ' : 'down'}  ${part.address}${upNow ? '' : ' (optional: stack up ' + part.name + ')'}`);
    console.log(`${''.padEnd(16)}${part.version() ?? 'not installed yet'}`);
  }
  // Not a server of the stack, but a part the test suites run (the Web UI suite).
  console.log(`${'chromium'.padEnd(10)} ${'-'.padEnd(4)}  ${chromiumVersion() ?? 'not installed (npm test installs it)'}`);
  return allUp ? 0 : 1;
}

async function main(): Promise<number> {
  const command = process.argv[2];
  const s = stackSettings();
  switch (command) {
    case 'up':
      return up(s, process.argv.slice(3));
    case 'down':
      return down(s);
    case 'status':
      return status(s);
    default:
      console.error('usage: tsx sandbox/stack/cli.ts up [lake]|down|status');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`[stack] ${error.message}`);
    process.exit(1);
  },
);
