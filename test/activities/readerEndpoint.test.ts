import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { checksumSpec } from '../../domain/verification';
import { toTableName } from '../../domain/tableName';
import { activityHarness } from '../support/activityHarness';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';

/**
 * `sources[].reader`: the worker's own scans go to the reader endpoint, the facts of the server DMS reads (binary log
 * settings, grants) to the writer. The "reader" here is a TCP relay to the stack's MariaDB that counts the bytes of
 * the statements sent through it (idle pooled connections would hide a statement from a count of connections).
 */

let relay: net.Server;
let statementBytes = 0;
let h: Awaited<ReturnType<typeof activityHarness>>;
let table: string;

beforeAll(async () => {
  const writer = testConfig().sources[0]!;
  relay = net.createServer((client) => {
    client.on('data', (chunk: Buffer) => (statementBytes += chunk.length));
    const upstream = net.connect(writer.port, writer.host);
    client.pipe(upstream).pipe(client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const config = testConfig();
  config.sources = config.sources.map((s) => ({ ...s, reader: { host: '127.0.0.1', port: (relay.address() as AddressInfo).port } }));
  h = await activityHarness(config);
  table = await createScratchTable(uniqueName('rdr'), { rows: 120 });
});

afterAll(async () => {
  await dropScratchTable(table);
  await h.close();
  await new Promise((resolve) => relay.close(resolve));
});

test('checksums and table facts read through the reader; binary log facts and grants come from the writer', async () => {
  const facts = await h.run(h.activities.readTableFacts, { source: 'shop', table: toTableName(table) });
  expect(statementBytes).toBeGreaterThan(0);

  const sums = await h.run(h.activities.sourceTableChecksums, {
    source: 'shop',
    table: toTableName(table),
    spec: checksumSpec(table, facts.primaryKey, facts.columns),
  });
  expect(sums.rows).toBe(120);

  const before = statementBytes;
  const sourceFacts = await h.run(h.activities.readSourceFacts, { source: 'shop' });
  expect(sourceFacts.variables.log_bin).toBeDefined();
  expect(sourceFacts.grants.length).toBeGreaterThan(0);
  // The writer has its own pool: not one byte more through the reader.
  expect(statementBytes).toBe(before);
  expect(h.deps.sources.address('shop', 'writer').port).not.toBe(h.deps.sources.address('shop').port);
});
