import type { TaskGroupConfig } from '../../domain/config';
import type { TaskSnapshot } from '../../domain/dmsStates';
import { planOnboarding } from '../../domain/onboarding';
import { newTaskMapping, selectionRule } from '../../domain/tableMappings';
import { TableName } from '../../domain/tableName';

/** Which other tables' files change shape when a table is onboarded: what the lake's consumers are told. */

const orders: TableName = { schema: 'shop', table: 'orders' };
const items: TableName = { schema: 'shop', table: 'items' };
const added: TableName = { schema: 'shop', table: 'refunds' };
const group = { name: 'core', taskIdentifier: 'core-task' } as TaskGroupConfig;

function plan(task: TaskSnapshot | null) {
  return planOnboarding({
    table: added,
    group,
    task,
    tasksTables: [orders, items],
    rows: 1000,
    instanceClass: 'dms.r5.large',
    instanceArn: 'arn:i',
    sourceEndpointArn: 'arn:s',
    targetEndpointArn: 'arn:t',
    tablePrefix: 'dms/shop/refunds/',
    warnings: [],
    taskSettings: '{}',
    lob: { columns: [], lobMaxSizeKb: 32, summary: 'no LOB column' } as never,
  });
}

const taskWith = (mapping: unknown) =>
  ({ identifier: 'core-task', status: 'running', tableMappings: JSON.stringify(mapping) }) as TaskSnapshot;

test('a task without the metadata columns: every other table gains them, named with the columns and the cause', () => {
  const bare = { rules: [selectionRule(1, 'orders', orders), selectionRule(2, 'items', items)] };
  expect(plan(taskWith(bare)).schemaChanges).toEqual(
    ['shop.orders', 'shop.items'].map((table) => ({
      table,
      columns: ['$AR_H_CHANGE_SEQ', '$AR_H_OPERATION', '$AR_H_TIMESTAMP (or $AR_H_COMMIT_TIMESTAMP)'],
      cause: 'onboarding shop.refunds adds the transaction metadata columns to every table of task core-task',
    })),
  );
});

test('a task whose mapping has them, or a new task: no other table changes', () => {
  const withMetadata = newTaskMapping(orders);
  withMetadata.rules.push(selectionRule(9, 'items', items));
  expect(plan(taskWith(withMetadata)).schemaChanges).toEqual([]);
  expect(plan(null).schemaChanges).toEqual([]);
});
