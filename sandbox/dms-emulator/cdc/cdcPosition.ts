import type { BinlogPosition } from '../emulatorState';

/**
 * CDC positions as DMS shows and takes them for a MySQL source: a native `<binlog file>:<position>` or the
 * task's RecoveryCheckpoint string (`checkpoint:V1#…`), which carries the same file and position.
 */
export function parseCdcPosition(text: string): BinlogPosition | undefined {
  const native = /^([A-Za-z0-9_.-]+\.\d+):(\d+)$/.exec(text);
  if (native) return { file: native[1]!, position: Number(native[2]) };
  const checkpoint = /^checkpoint:V1#\d+#([A-Za-z0-9_.-]+\.\d+):(\d+):/.exec(text);
  if (checkpoint) return { file: checkpoint[1]!, position: Number(checkpoint[2]) };
  return undefined;
}

export function formatCheckpoint(position: BinlogPosition, sequence: number): string {
  const at = `${position.file}:${position.position}`;
  return `checkpoint:V1#${sequence}#${at}:-1:${position.position}:0:${at}#0#0#*#0#0`;
}

/** `server_time:2026-11-28T10:00:00` / `commit_time:…` → which clock and when (UTC ms). */
export function parseCdcStopPosition(text: string): { kind: 'server_time' | 'commit_time'; atMs: number } | undefined {
  const match = /^(server_time|commit_time):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})$/.exec(text);
  if (!match) return undefined;
  return { kind: match[1] as 'server_time' | 'commit_time', atMs: Date.parse(`${match[2]}Z`) };
}
