import fs from 'node:fs';
import path from 'node:path';
import { iamActionsFor, SERVICE_PREFIXES } from '../activities/iamActions';
import type { PipelineConfig } from '../domain/config';

/**
 * The least-privilege IAM policy of the worker, generated from the code: every AWS SDK command the activities
 * construct (`new XCommand(`) maps to its IAM action, and the pipeline configuration scopes the resources.
 */

export function scanSdkActions(dir: string): string[] {
  const actions = new Set<string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
    for (const imported of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      const prefix = SERVICE_PREFIXES[imported[2]!];
      if (!prefix) continue;
      for (const name of imported[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!)) {
        if (name.endsWith('Command') && new RegExp(`new ${name}\\(`).test(text)) iamActionsFor(prefix, name).forEach((a) => actions.add(a));
      }
    }
  }
  return [...actions].sort();
}

interface Statement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string>>;
}

export function buildPolicy(config: PipelineConfig, actions: string[]): { Version: string; Statement: Statement[] } {
  const region = config.region;
  const account = config.accountId ?? '*';
  const of = (prefix: string) => actions.filter((a) => a.startsWith(`${prefix}:`));
  const statements: Statement[] = [];
  const add = (Sid: string, Action: string[], Resource: string[], Condition?: Statement['Condition']) => {
    if (Action.length) statements.push({ Sid, Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });
  };

  const dms = of('dms');
  const dmsRead = dms.filter((a) => /^dms:(Describe|List|Test)/.test(a));
  // Describe calls filter by identifier, which IAM cannot scope; changes are scoped to the account and region.
  add('DmsRead', dmsRead, ['*']);
  add(
    'DmsChange',
    dms.filter((a) => !dmsRead.includes(a)),
    [`arn:aws:dms:${region}:${account}:task:*`, `arn:aws:dms:${region}:${account}:rep:*`, `arn:aws:dms:${region}:${account}:endpoint:*`],
  );

  // backfillPartitions' staging endpoint passes the target endpoint's service access role (read from it at run
  // time, so any role of the account), only to DMS.
  add('PassEndpointRoleToDms', of('iam'), [`arn:aws:iam::${account}:role/*`], {
    StringEquals: { 'iam:PassedToService': 'dms.amazonaws.com' },
  });

  const s3 = of('s3');
  add(
    'S3ListPipelineBucket',
    s3.filter((a) => a === 's3:ListBucket'),
    [`arn:aws:s3:::${config.target.bucket}`],
  );
  add(
    'S3PipelineObjects',
    s3.filter((a) => a !== 's3:ListBucket'),
    [`arn:aws:s3:::${config.target.bucket}/*`],
  );

  const rdsResources = config.sources.flatMap((s) => [
    ...(s.rds?.dbInstanceIdentifier ? [`arn:aws:rds:${region}:${account}:db:${s.rds.dbInstanceIdentifier}`] : []),
    ...(s.rds?.dbClusterIdentifier ? [`arn:aws:rds:${region}:${account}:cluster:${s.rds.dbClusterIdentifier}`] : []),
  ]);
  add(
    'RdsReadSources',
    of('rds'),
    rdsResources.length ? [...rdsResources, `arn:aws:rds:${region}:${account}:pg:*`, `arn:aws:rds:${region}:${account}:cluster-pg:*`] : [],
  );

  // GetMetricStatistics has no resource-level permissions.
  add('CloudWatchReadDmsMetrics', of('cloudwatch'), ['*']);

  // Consumers' tokens and webhook secrets (docs/downstream.md) are read the same way as the source passwords.
  const consumerSecrets = config.consumers.flatMap((c) => (c.kind === 'databricksJob' ? [c.token] : c.secret ? [c.secret] : []));
  const secretArns = [...config.sources.map((s) => s.password), ...consumerSecrets].flatMap((p) => ('secretArn' in p ? [p.secretArn] : []));
  add('SourcePasswordSecrets', secretArns.length ? of('secretsmanager') : [], secretArns);
  return { Version: '2012-10-17', Statement: statements };
}
