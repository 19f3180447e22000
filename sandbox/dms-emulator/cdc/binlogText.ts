import type { BinlogPosition } from '../emulatorState';

/**
 * Parses the text `mariadb-binlog --base64-output=DECODE-ROWS --verbose` prints (run with TZ=UTC) into row
 * changes, DDL statements and commits, each with the binlog position just after it and its commit time.
 * Values stay as the tool prints them (`NULL`, numbers, quoted strings with raw bytes, ENUM indexes).
 */

export interface RawValue {
  /** null for SQL NULL; the printed text otherwise (quotes removed from strings). */
  text: string | null;
  /** For negative numbers the tool also prints the unsigned reading: `-5 (18446744073709551611)`. */
  unsignedText?: string;
}

export type BinlogEvent =
  | { type: 'row'; op: 'I' | 'U' | 'D'; schema: string; table: string; values: RawValue[]; timestampMs: number; at: BinlogPosition }
  | { type: 'ddl'; statement: string; database?: string; timestampMs: number; at: BinlogPosition }
  | { type: 'commit'; timestampMs: number; at: BinlogPosition };

const HEADER = /^#(\d{2})(\d{2})(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+server id \d+\s+end_log_pos (\d+)\s*(.*)$/;
const ROW_START = /^### (INSERT INTO|UPDATE|DELETE FROM) `((?:[^`]|``)+)`\.`((?:[^`]|``)+)`$/;
const VALUE = /^###\s+@(\d+)=(.*)$/;

export function parseValue(raw: string): RawValue {
  const text = raw.replace(/\s*\/\*.*\*\/\s*$/, '');
  if (text === 'NULL') return { text: null };
  if (text.startsWith("'")) {
    // Strings are printed between quotes without escaping, as raw bytes (the output is read as latin1).
    const inner = text.slice(1, text.lastIndexOf("'") > 0 ? text.lastIndexOf("'") : undefined);
    return { text: Buffer.from(inner, 'latin1').toString('utf8') };
  }
  const unsigned = /^(-?[\d.eE+-]+) \((\d+)\)$/.exec(text);
  if (unsigned) return { text: unsigned[1]!, unsignedText: unsigned[2]! };
  return { text };
}

export function parseBinlogText(output: string, startFile: string): BinlogEvent[] {
  const events: BinlogEvent[] = [];
  let file = startFile;
  let timestampMs = 0;
  let endPos = 0;
  let eventKind = '';
  let statement: string[] | undefined;
  let database: string | undefined;
  let row:
    { op: 'I' | 'U' | 'D'; schema: string; table: string; before: RawValue[]; after: RawValue[]; section: 'before' | 'after' } | undefined;

  const finishRow = () => {
    if (!row) return;
    const values = row.op === 'I' ? row.after : row.op === 'D' ? row.before : row.after;
    events.push({ type: 'row', op: row.op, schema: row.schema, table: row.table, values, timestampMs, at: { file, position: endPos } });
    row = undefined;
  };

  for (const line of output.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      finishRow();
      const [, yy, mo, dd, hh, mi, ss, pos, rest] = header;
      timestampMs = Date.UTC(2000 + Number(yy), Number(mo) - 1, Number(dd), Number(hh), Number(mi), Number(ss));
      endPos = Number(pos);
      eventKind = rest!.trim();
      statement = /^Query\b/.test(eventKind) ? [] : undefined;
      if (/^Xid = /.test(eventKind)) events.push({ type: 'commit', timestampMs, at: { file, position: endPos } });
      const rotate = /^Rotate to (\S+)\s+pos: (\d+)/.exec(eventKind);
      if (rotate && endPos !== 0) file = rotate[1]!;
      continue;
    }
    if (line.startsWith('### ')) {
      const start = ROW_START.exec(line);
      if (start) {
        finishRow();
        const op = start[1] === 'INSERT INTO' ? 'I' : start[1] === 'UPDATE' ? 'U' : 'D';
        row = {
          op,
          schema: start[2]!.replace(/``/g, '`'),
          table: start[3]!.replace(/``/g, '`'),
          before: [],
          after: [],
          section: op === 'I' ? 'after' : 'before',
        };
        continue;
      }
      if (!row) continue;
      if (line === '### SET') row.section = 'after';
      else if (line === '### WHERE') row.section = 'before';
      else {
        const value = VALUE.exec(line);
        if (value) (row.section === 'after' ? row.after : row.before)[Number(value[1]) - 1] = parseValue(value[2]!);
      }
      continue;
    }
    if (statement) {
      if (line.startsWith('use ')) database = /^use `?([^`;]+)`?/.exec(line)?.[1];
      if (line === '/*!*/;') {
        const sql = statement.join('\n').trim();
        statement = undefined;
        if (/^(COMMIT|BEGIN|START TRANSACTION|XA )/i.test(sql) || sql === '') {
          if (/^COMMIT/i.test(sql)) events.push({ type: 'commit', timestampMs, at: { file, position: endPos } });
          continue;
        }
        events.push({ type: 'ddl', statement: sql, database, timestampMs, at: { file, position: endPos } });
        continue;
      }
      if (line.startsWith('SET ') || line.startsWith('/*') || line.startsWith('use ') || line.startsWith('#')) continue;
      statement.push(line);
    }
  }
  finishRow();
  return events;
}

/** The table a DDL statement changes, if it names one (ALTER/CREATE/DROP/RENAME TABLE, TRUNCATE [TABLE]). */
export function ddlTable(statement: string, database: string | undefined): { schema: string; table: string } | undefined {
  const match =
    /^\s*(?:(?:ALTER|CREATE|DROP|RENAME)\s+(?:ONLINE\s+|IGNORE\s+)?TABLE\s+|TRUNCATE\s+(?:TABLE\s+)?)(?:IF\s+(?:NOT\s+)?EXISTS\s+)?`?([A-Za-z0-9_$]+)`?(?:\.`?([A-Za-z0-9_$]+)`?)?/i.exec(
      statement,
    );
  if (!match) return undefined;
  if (match[2]) return { schema: match[1]!, table: match[2] };
  return database ? { schema: database, table: match[1]! } : undefined;
}

/** TRUNCATE [TABLE] t: MySQL logs it as a statement in the binary log, whatever the binlog format. */
export const isTruncate = (statement: string) => /^\s*TRUNCATE\s/i.test(statement);
