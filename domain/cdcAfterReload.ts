/**
 * The check of CDC written after a reload. A verification of the LOAD files cannot see a reload that left DMS
 * decoding CDC with an old table definition ("Reloading tables during a task": DMS retains the previously read
 * definition): the LOAD files are right, and the damage starts with the first change after the reload. So the
 * finalize gate also compares the rows changed since the reload — their last change in the CDC files written after
 * the new LOAD files — with the source's current values, by primary key, ENUM/SET labels included; and it says so
 * when too few rows changed yet to judge.
 */

/** A row's last change in the CDC files (canonical texts, as in domain/verification.ts). */
export interface ChangedRow {
  key: string;
  op: 'I' | 'U' | 'D';
  /** ENUM/SET column → canonical label text. */
  labels: Record<string, string>;
}

/** The source's current row for a key, or absent when deleted. */
export type SourceRows = Map<string, Record<string, string>>;

export type CdcVerdict = 'matches' | 'mismatch' | 'not-enough-cdc' | 'cannot-check';

export interface CdcAfterReloadCheck {
  table: string;
  verdict: CdcVerdict;
  /** CDC files written after the reload's LOAD files. */
  cdcFiles: number;
  /** Distinct keys changed since the reload, compared with the source. */
  compared: number;
  mismatches: number;
  minRows: number;
  /** A few mismatches, key and columns (labels only: no other data value). */
  samples: string[];
  detail: string;
  /** The keys that disagree (for confirming them on a later check; not kept in results). */
  mismatchedKeys?: string[];
}

export function compareChangedRows(
  table: string,
  changed: ChangedRow[],
  source: SourceRows,
  options: { minRows: number; cdcFiles: number; problems?: string[] },
): CdcAfterReloadCheck {
  const base = { table, cdcFiles: options.cdcFiles, minRows: options.minRows };
  if (options.problems?.length) {
    return {
      ...base,
      verdict: 'cannot-check',
      compared: 0,
      mismatches: 0,
      samples: [],
      detail: `the CDC written after the reload could not be checked: ${options.problems.join('; ')}`,
    };
  }
  const samples: string[] = [];
  const mismatchedKeys: string[] = [];
  let mismatches = 0;
  for (const row of changed) {
    const now = source.get(row.key);
    let problem: string | undefined;
    if (row.op === 'D') {
      if (now) problem = 'deleted in the files, present in the source';
    } else if (!now) {
      problem = 'present in the files, absent from the source';
    } else {
      const wrong = Object.entries(row.labels).filter(([column, label]) => now[column] !== label);
      if (wrong.length) problem = wrong.map(([column, label]) => `${column} files '${label}', source '${now[column]}'`).join(', ');
    }
    if (problem) {
      mismatches++;
      mismatchedKeys.push(row.key);
      if (samples.length < 5) samples.push(`key ${row.key.split('\u001f').join(',')}: ${problem}`);
    }
  }
  const compared = changed.length;
  if (mismatches > 0) {
    return {
      ...base,
      verdict: 'mismatch',
      compared,
      mismatches,
      samples,
      mismatchedKeys,
      detail: `CDC written after the reload disagrees with the source for ${mismatches} of ${compared} changed rows (${samples.join('; ')}): DMS is still decoding changes with the old table definition, or rows changed again since (compare again to rule out latency)`,
    };
  }
  if (compared < options.minRows) {
    return {
      ...base,
      verdict: 'not-enough-cdc',
      compared,
      mismatches,
      samples,
      detail: `only ${compared} row(s) changed since the reload (${options.cdcFiles} CDC file(s)); at least ${options.minRows} are needed to judge the CDC written after it — the LOAD files alone cannot show whether DMS decodes changes with the right definition`,
    };
  }
  return {
    ...base,
    verdict: 'matches',
    compared,
    mismatches,
    samples,
    detail: `${compared} row(s) changed since the reload agree with the source (labels included)`,
  };
}
