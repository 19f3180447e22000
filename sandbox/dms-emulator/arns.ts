import { randomInt } from 'node:crypto';
import { invalidValue } from './dmsFault';

/** DMS ARNs end in a 26-character upper-case alphanumeric resource id (the CloudWatch task dimension). */

export const ACCOUNT_ID = '123456789012';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export type ArnKind = 'rep' | 'endpoint' | 'task';

export function newResourceId(): string {
  let id = '';
  for (let i = 0; i < 26; i += 1) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

export function makeArn(region: string, kind: ArnKind, resourceId: string): string {
  return `arn:aws:dms:${region}:${ACCOUNT_ID}:${kind}:${resourceId}`;
}

export function arnKind(arn: string): ArnKind | undefined {
  const match = /^arn:aws:dms:[a-z0-9-]+:\d{12}:(rep|endpoint|task):[A-Z0-9]+$/.exec(arn);
  return match ? (match[1] as ArnKind) : undefined;
}

export function resourceIdOf(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/** DMS identifier rules: a letter first, letters/digits/hyphens, no trailing or doubled hyphen, 1-255. */
export function checkIdentifier(field: string, value: string): void {
  if (!/^[A-Za-z][A-Za-z0-9-]{0,254}$/.test(value) || value.endsWith('-') || value.includes('--')) {
    throw invalidValue(
      `${field} "${value}" is invalid: it must start with a letter, contain only ASCII letters, digits and hyphens, and not end with a hyphen or contain two consecutive hyphens`,
    );
  }
}
