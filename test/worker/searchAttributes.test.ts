import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeProblems } from '../../worker/searchAttributeCheck';
import { SEARCH_ATTRIBUTES } from '../../contracts/searchAttributes';

/**
 * A namespace without the runbooks' search attributes: the worker refuses to start and prints the commands that
 * register them; `npm run setup:namespace` registers them on the dev server, after which the check passes.
 */

const root = path.resolve(__dirname, '..', '..');
const namespace = `no-attributes-${process.pid}-${Date.now()}`;
let connection: Connection;

function tsx(script: string, env: Record<string, string>) {
  return spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), [script], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

beforeAll(async () => {
  execFileSync(process.env.TEMPORAL_CLI_PATH!, [
    'operator',
    'namespace',
    'create',
    '--namespace',
    namespace,
    '--address',
    process.env.TEMPORAL_ADDRESS!,
  ]);
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  // A new namespace reaches every service of the dev server after a moment.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      break;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
});

afterAll(async () => {
  await connection?.close();
});

test('the worker exits non-zero with the registration commands, and setup:namespace registers them', async () => {
  const env = { DMS_RUNBOOKS_CONFIG: path.join(root, 'config', 'sandbox.pipeline.yaml'), TEMPORAL_NAMESPACE: namespace };
  const worker = tsx('worker/main.ts', env);
  expect(worker.status).toBe(1);
  expect(worker.stderr).toContain(`namespace ${namespace} lacks search attributes`);
  for (const { name, type } of SEARCH_ATTRIBUTES) {
    expect(worker.stderr).toContain(`temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`);
  }
  expect(worker.stderr).toContain(`tcld namespace search-attributes add -n ${namespace} --sa "RunbookKind=Keyword"`);

  const setup = tsx('scripts/setupNamespace.ts', env);
  expect(setup.stderr).toBe('');
  expect(setup.status).toBe(0);
  for (const { name, type } of SEARCH_ATTRIBUTES) expect(setup.stdout).toContain(`registered ${name} (${type}) in ${namespace}`);
  expect(await searchAttributeProblems(connection, namespace)).toEqual([]);

  const again = tsx('scripts/setupNamespace.ts', env);
  expect(again.status).toBe(0);
  expect(again.stdout).toContain('every search attribute is registered');
});
