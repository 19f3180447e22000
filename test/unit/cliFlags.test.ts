import { parseArgs, runbookInput, UsageError } from '../../cli/args';
import { fieldTypes } from '../../cli/flagTypes';
import { INPUT_FORMS } from '../../domain/inputs';
import { backfillPartitionsInputSchema } from '../../domain/inputs/backfillPartitions';
import { fullReloadInputSchema } from '../../domain/inputs/fullReload';

/** `npx dms-runbooks start <kind> --flag value …`: each flag typed by the runbook's own input schema. */

const inputOf = (kind: keyof typeof INPUT_FORMS, argv: string[]) =>
  runbookInput(parseArgs(['start', kind, ...argv]), ['as', 'input'], fieldTypes(INPUT_FORMS[kind]));

describe('start flags typed by the runbook input schema', () => {
  test('a date of digits stays text for a string field, and the backfill input then validates', () => {
    const input = inputOf('backfillPartitions', [
      '--table',
      'shop.orders',
      '--from',
      '20261101',
      '--to',
      '20261103',
      '--date-column',
      'created_at',
      '--dry-run',
    ]);
    expect(input).toEqual({ table: 'shop.orders', from: '20261101', to: '20261103', dateColumn: 'created_at', dryRun: true });
    expect(backfillPartitionsInputSchema.safeParse(input).success).toBe(true);
  });

  test('a list field collects every occurrence, or takes one JSON array; numbers and booleans are parsed', () => {
    const input = inputOf('fullReload', [
      '--tables',
      'shop.orders',
      '--tables=shop.order_items',
      '--reason',
      'ENUM scrambled',
      '--cdc-check-min-rows',
      '20',
      '--check-current-files',
      'false',
    ]);
    expect(input).toEqual({
      tables: ['shop.orders', 'shop.order_items'],
      reason: 'ENUM scrambled',
      cdcCheckMinRows: 20,
      checkCurrentFiles: false,
    });
    expect(fullReloadInputSchema.safeParse(input).success).toBe(true);
    expect(inputOf('fullReload', ['--tables', '["shop.a","shop.b"]']).tables).toEqual(['shop.a', 'shop.b']);
  });

  test('resizeInstance: fields of both forms are known (a storage size is a number, during is JSON)', () => {
    expect(inputOf('resizeInstance', ['--instance', 'repl-1', '--target-class', 'dms.r5.xlarge', '--allocated-storage-gb', '200'])).toEqual(
      {
        instance: 'repl-1',
        targetClass: 'dms.r5.xlarge',
        allocatedStorageGb: 200,
      },
    );
    expect(inputOf('resizeInstance', ['--during', '{"kind":"onboardTable","input":{"table":"shop.x"}}']).during).toEqual({
      kind: 'onboardTable',
      input: { table: 'shop.x' },
    });
  });

  test('bad values are usage errors that name the flag; a flag wins over the same field in --input', () => {
    expect(() => inputOf('fullReload', ['--cdc-check-min-rows', 'many'])).toThrow(
      new UsageError('--cdc-check-min-rows takes a number, not "many"'),
    );
    expect(() => inputOf('onboardTable', ['--dry-run', 'maybe'])).toThrow(/--dry-run is true or false/);
    expect(() => inputOf('onboardTable', ['--table', 'shop.a', '--table', 'shop.b'])).toThrow(/--table is given 2 times/);
    expect(() => inputOf('resizeInstance', ['--during', '{oops'])).toThrow(/--during is not JSON/);
    expect(inputOf('onboardTable', ['--input', '{"table":"shop.a","dryRun":true}', '--table', 'shop.b'])).toEqual({
      table: 'shop.b',
      dryRun: true,
    });
  });

  test('a field the runbook does not have passes through for its validation to refuse by name', () => {
    expect(inputOf('onboardTable', ['--tabel', 'shop.a'])).toEqual({ tabel: 'shop.a' });
  });
});
