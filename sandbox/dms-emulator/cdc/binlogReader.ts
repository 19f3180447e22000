import { execFile } from 'node:child_process';
import type { BinlogPosition, EndpointRecord } from '../emulatorState';

/**
 * Reads the source's binary log as a replication client would: `mariadb-binlog --read-from-remote-server`
 * from a position (or from a time, in the first log) to the end of the last log, rows decoded to text.
 */
export function readBinlog(
  tool: string,
  endpoint: EndpointRecord,
  from: { position: BinlogPosition } | { file: string; startTimeMs: number },
): Promise<string> {
  const args = [
    '--no-defaults',
    '--read-from-remote-server',
    `--host=${endpoint.serverName}`,
    `--port=${endpoint.port}`,
    `--user=${endpoint.username}`,
    `--password=${endpoint.password}`,
    '--base64-output=DECODE-ROWS',
    '--verbose',
    '--to-last-log',
  ];
  if ('position' in from) {
    args.push(`--start-position=${from.position.position}`, from.position.file);
  } else {
    args.push(`--start-datetime=${new Date(from.startTimeMs).toISOString().slice(0, 19).replace('T', ' ')}`, from.file);
  }
  return new Promise((resolve, reject) => {
    // TZ=UTC: event headers print in the reader's local time; latin1 keeps string bytes intact.
    execFile(
      tool,
      args,
      { env: { ...process.env, TZ: 'UTC' }, encoding: 'latin1', maxBuffer: 512 * 1024 * 1024, timeout: 120000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${tool} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}
