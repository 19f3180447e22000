import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SEARCH_ATTRIBUTES } from '../../contracts/searchAttributes';
import { Component } from './component';
import { isAlive, portOpen, readPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { StackSettings } from './settings';
import { resolveTemporalBinary, temporalVersion } from './temporalBinary';

/** The real Temporal dev server, persisted in .stack/temporal.db, with the Web UI and our search attributes. */
export function temporalComponent(s: StackSettings, log: (line: string) => void): Component {
  const address = `${s.host}:${s.temporalPort}`;
  const healthy = async () => {
    if (!(await portOpen(s.host, s.temporalPort))) return false;
    try {
      execFileSync(resolveTemporalBinary(s.toolsDir), ['operator', 'cluster', 'health', '--address', address], {
        stdio: 'pipe',
        timeout: 10000,
      });
      return true;
    } catch {
      return false;
    }
  };
  return {
    name: 'temporal',
    address: `${address} (Web UI http://${s.host}:${s.temporalUiPort})`,
    isUp: async () => isAlive(readPid(s.stackDir, 'temporal')) && (await portOpen(s.host, s.temporalPort)),
    async start() {
      const binary = resolveTemporalBinary(s.toolsDir, log);
      fs.mkdirSync(s.stackDir, { recursive: true });
      const args = [
        'server',
        'start-dev',
        '--ip',
        s.host,
        '--port',
        String(s.temporalPort),
        '--ui-port',
        String(s.temporalUiPort),
        '--db-filename',
        path.join(s.stackDir, 'temporal.db'),
        '--log-level',
        'warn',
        // A database created before an attribute was added: `npm run setup:namespace` registers it.
        ...SEARCH_ATTRIBUTES.flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]),
      ];
      startDetached({ name: 'temporal', command: binary, args, stackDir: s.stackDir, logsDir: s.logsDir });
      await waitFor('temporal', healthy, 90000, () => `${s.logsDir}/temporal.log:\n${tailLog(s.logsDir, 'temporal')}`);
    },
    stop: () => stopProcess(s.stackDir, 'temporal'),
    version: () => temporalVersion(s.toolsDir),
    env: () => ({
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_UI_URL: `http://${s.host}:${s.temporalUiPort}`,
      TEMPORAL_CLI_PATH: resolveTemporalBinary(s.toolsDir),
    }),
  };
}
