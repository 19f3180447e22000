/**
 * Whole UTC days as `YYYYMMDD` strings: parsing, ranges and arithmetic for partition backfills. Pure, and safe in
 * workflows (Date is used only for UTC calendar arithmetic, never for "now").
 */

const DAY_MS = 86_400_000;

/** `20260601` → epoch ms of 2026-06-01T00:00:00Z, or undefined when it is not a real calendar date. */
export function dayToMs(day: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(day);
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, date);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== date) return undefined;
  return ms;
}

export function isCalendarDay(day: string): boolean {
  return dayToMs(day) !== undefined;
}

export function msToDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** The day (`20260601`) of an instant in a time zone (Area/Location); UTC without one. */
export function msToDayIn(ms: number, timeZone: string | undefined): string {
  if (!timeZone || timeZone === 'UTC') return msToDay(ms);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}${parts.month}${parts.day}`;
}

/** `20260601` → `2026-06-01`, the form MySQL and DMS filters take. */
export function isoDate(day: string): string {
  return `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6, 8)}`;
}

export function addDays(day: string, days: number): string {
  return msToDay(dayToMs(day)! + days * DAY_MS);
}

/** Number of days from `from` to `to`, both included. */
export function spanDays(from: string, to: string): number {
  return Math.round((dayToMs(to)! - dayToMs(from)!) / DAY_MS) + 1;
}

/** Every day from `from` to `to`, both included. */
export function daysFrom(from: string, to: string): string[] {
  return Array.from({ length: Math.max(0, spanDays(from, to)) }, (_, i) => addDays(from, i));
}
