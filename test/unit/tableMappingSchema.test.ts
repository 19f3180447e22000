import { parseTableMapping, selectionRules, TableMappingError, transformationRules } from '../../domain/tableMappingSchema';

/** The shared table-mapping schema: what DMS accepts, and errors that name the rule and field. */

const include = (id: string, name: string, table = '%') => ({
  'rule-type': 'selection',
  'rule-id': id,
  'rule-name': name,
  'object-locator': { 'schema-name': 'shop', 'table-name': table },
  'rule-action': 'include',
});

function problem(rules: unknown[]): string {
  try {
    parseTableMapping(JSON.stringify({ rules }));
    return 'accepted';
  } catch (error) {
    expect(error).toBeInstanceOf(TableMappingError);
    return (error as Error).message;
  }
}

it('parses selection rules with source filters and add-column transformations', () => {
  const mapping = parseTableMapping(
    JSON.stringify({
      rules: [
        {
          ...include('1', 'orders', 'orders'),
          filters: [
            {
              'filter-type': 'source',
              'column-name': 'order_date',
              'filter-conditions': [{ 'filter-operator': 'between', 'start-value': '2026-06-01', 'end-value': '2026-06-30' }],
            },
          ],
        },
        {
          'rule-type': 'transformation',
          'rule-id': 2,
          'rule-name': 'seq',
          'rule-target': 'column',
          'object-locator': { 'schema-name': '%', 'table-name': '%' },
          'rule-action': 'add-column',
          value: 'ar_h_change_seq',
          expression: '$AR_H_CHANGE_SEQ',
          'data-type': { type: 'string', length: 50 },
        },
        { 'rule-type': 'table-settings', 'rule-id': '3', 'rule-name': 'parallel', 'parallel-load': { type: 'partitions-auto' } },
      ],
    }),
  );
  expect(selectionRules(mapping)[0]!.filters![0]!['filter-conditions'][0]!['start-value']).toBe('2026-06-01');
  expect(transformationRules(mapping)[0]!.expression).toBe('$AR_H_CHANGE_SEQ');
});

it('refuses duplicate rule ids and names, incomplete filters and add-column rules, and mappings that select nothing', () => {
  expect(problem([include('1', 'a'), include('1', 'b')])).toMatch(/rules\.1\.rule-id: duplicate rule-id 1/);
  expect(problem([include('1', 'a'), include('2', 'a')])).toMatch(/duplicate rule-name a/);
  expect(
    problem([
      {
        ...include('1', 'a'),
        filters: [
          { 'filter-type': 'source', 'column-name': 'd', 'filter-conditions': [{ 'filter-operator': 'between', 'start-value': '1' }] },
        ],
      },
    ]),
  ).toMatch(/between needs start-value and end-value/);
  expect(
    problem([
      include('1', 'a'),
      {
        'rule-type': 'transformation',
        'rule-id': '2',
        'rule-name': 'b',
        'rule-target': 'column',
        'object-locator': { 'schema-name': '%', 'table-name': '%' },
        'rule-action': 'add-column',
        value: 'x',
      },
    ]),
  ).toMatch(/add-column needs expression/);
  expect(problem([{ ...include('1', 'a'), 'rule-action': 'exclude' }])).toMatch(/at least one selection rule/);
  expect(() => parseTableMapping('{not json')).toThrow(/not JSON/);
});
