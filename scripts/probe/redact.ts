/**
 * A transcript leaves the account: no account id, no host name, no user name, no data value. ARNs keep their
 * service and resource type (`arn:aws:dms:<region>:<account>:task:<id>`); host names become `<host>`.
 */
const ACCOUNT_IN_ARN = /(arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:)(\d{12})(:)/g;
const HOST = /\b(?:[a-z0-9-]+\.)+(?:amazonaws\.com(?:\.cn)?|rds\.amazonaws\.com|internal|local|com|net|org|io)\b/gi;
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
const SECRET_KEYS =
  /^(ServerName|Username|Password|DatabaseName|ExternalId|CertificateArn|KmsKeyId|BucketName|ServiceAccessRoleArn|SecretsManager.*)$/;

export function redactText(text: string): string {
  return text.replace(ACCOUNT_IN_ARN, '$1<account>$3').replace(HOST, '<host>').replace(IPV4, '<ip>');
}

/** Redacts a Describe answer: named secrets become `<redacted>`, every other string is scrubbed of ids and hosts. */
export function redact(value: unknown, key = ''): unknown {
  if (SECRET_KEYS.test(key) && value !== undefined && value !== null) return '<redacted>';
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redact(v, k)]));
  }
  return value;
}
