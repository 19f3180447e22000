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

/**
 * DMS commands that also need a permission of another service. CreateEndpoint passes the S3 endpoint's service
 * access role to DMS: "The role must allow the iam:PassRole action" (API reference, CreateEndpoint
 * ServiceAccessRoleArn), so the caller needs iam:PassRole on it.
 */
const DMS_EXTRA_ACTIONS: Record<string, string[]> = {
  CreateEndpoint: ['iam:PassRole'],
};

/** `('s3', 'CopyObjectCommand')` → `['s3:GetObject', 's3:PutObject']`. */
export function iamActionsFor(prefix: string, commandName: string): string[] {
  const operation = commandName.replace(/Command$/, '');
  if (prefix === 's3') return S3_ACTIONS[operation] ?? [`s3:${operation}`];
  if (prefix === 'dms') return [`dms:${operation}`, ...(DMS_EXTRA_ACTIONS[operation] ?? [])];
  return [`${prefix}:${operation}`];
}
