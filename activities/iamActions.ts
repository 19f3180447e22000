/**
 * The IAM action each AWS SDK command needs. Most are `<service>:<Command>`; S3 names some differently.
 * Shared by the IAM policy generator and the AccessDenied messages, so both name the same permission.
 */
export const SERVICE_PREFIXES: Record<string, string> = {
  s3: 's3',
  'database-migration-service': 'dms',
  rds: 'rds',
  cloudwatch: 'cloudwatch',
  'secrets-manager': 'secretsmanager',
};

const S3_ACTIONS: Record<string, string[]> = {
  ListObjectsV2: ['s3:ListBucket'],
  HeadBucket: ['s3:ListBucket'],
  HeadObject: ['s3:GetObject'],
  GetObject: ['s3:GetObject'],
  PutObject: ['s3:PutObject'],
  CopyObject: ['s3:GetObject', 's3:PutObject'],
  DeleteObject: ['s3:DeleteObject'],
  DeleteObjects: ['s3:DeleteObject'],
};

/** `('s3', 'CopyObjectCommand')` → `['s3:GetObject', 's3:PutObject']`. */
export function iamActionsFor(prefix: string, commandName: string): string[] {
  const operation = commandName.replace(/Command$/, '');
  if (prefix === 's3') return S3_ACTIONS[operation] ?? [`s3:${operation}`];
  return [`${prefix}:${operation}`];
}
