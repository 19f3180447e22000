import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadPipelineConfigFile } from '../../worker/configFile';
import { buildPolicy, scanSdkActions } from '../../worker/iamPolicy';

const root = path.resolve(__dirname, '..', '..');
const actions = () => scanSdkActions(path.join(root, 'activities'));
const policyFor = (config: string) =>
  buildPolicy(loadPipelineConfigFile(path.join(root, 'config', config), { SOURCE_DB_PORT: '3307' }), actions());
const committed = (file: string) => JSON.parse(fs.readFileSync(path.join(root, 'iam', file), 'utf8')) as unknown;
const granted = (policy: { Statement: Array<{ Action: string[] }> }) => policy.Statement.flatMap((s) => s.Action).sort();

describe('the IAM policy generated from the code', () => {
  test.each([
    ['example.production.yaml', 'policy.example.json'],
    ['sandbox.pipeline.yaml', 'policy.sandbox.json'],
  ])('%s: the committed %s is what the code needs now (regenerate with npm run iam-policy)', (config, file) => {
    expect(policyFor(config)).toEqual(committed(file));
  });

  test('the policy grants exactly the actions the activities call (Secrets Manager only when a secret is configured)', () => {
    expect(granted(policyFor('example.production.yaml'))).toEqual(actions());
    expect(granted(policyFor('sandbox.pipeline.yaml'))).toEqual(actions().filter((a) => !a.startsWith('secretsmanager:')));
    expect(actions()).toEqual(
      expect.arrayContaining([
        'dms:StopReplicationTask',
        's3:ListBucket',
        's3:GetObject',
        's3:DeleteObject',
        'rds:DescribeDBInstances',
        'cloudwatch:GetMetricStatistics',
      ]),
    );
  });

  test('a new SDK command in an activity appears in the policy; an unused import does not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-iam-'));
    fs.writeFileSync(
      path.join(dir, 'x.ts'),
      "import { ModifyReplicationInstanceCommand, RebootReplicationInstanceCommand } from '@aws-sdk/client-database-migration-service';\nimport { CopyObjectCommand } from '@aws-sdk/client-s3';\nnew ModifyReplicationInstanceCommand({});\nnew CopyObjectCommand({});\n",
    );
    expect(scanSdkActions(dir)).toEqual(['dms:ModifyReplicationInstance', 's3:GetObject', 's3:PutObject']);
  });

  test('CreateEndpoint (backfill staging) brings iam:PassRole, only for passing a role to DMS', () => {
    expect(actions()).toContain('iam:PassRole');
    const pass = policyFor('example.production.yaml').Statement.find((s) => s.Action.includes('iam:PassRole')) as unknown;
    expect(pass).toMatchObject({
      Sid: 'PassEndpointRoleToDms',
      Condition: { StringEquals: { 'iam:PassedToService': 'dms.amazonaws.com' } },
    });
  });

  test('activities call AWS only through commands the scan sees (no paginators or lib-storage)', () => {
    for (const entry of fs.readdirSync(path.join(root, 'activities'), { withFileTypes: true, recursive: true })) {
      if (entry.isFile())
        expect(fs.readFileSync(path.join(entry.parentPath, entry.name), 'utf8')).not.toMatch(/paginate[A-Z]|@aws-sdk\/lib-storage/);
    }
  });
});
