import { z } from 'zod';
import { tableStatisticsShape } from '../awsShapes';
import { applyFilters } from '../describeFilters';
import type { OperationTable } from '../operation';
import { paginate, TABLE_STATISTICS_LIMITS } from '../pagination';
import { filtersInput, parseInput } from '../requestValidation';

const input = z.object({
  ReplicationTaskArn: z.string(),
  MaxRecords: z.number().int().optional(),
  Marker: z.string().optional(),
  Filters: filtersInput,
});

export const tableStatisticsOperations: OperationTable = {
  DescribeTableStatistics: {
    mutating: false,
    run(ctx, body) {
      const request = parseInput('DescribeTableStatistics', input, body);
      const task = ctx.task(request.ReplicationTaskArn);
      const tables = Object.values(task.tables).sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
      const matching = applyFilters(tables, request.Filters, {
        'schema-name': (t) => t.schema,
        'table-name': (t) => t.table,
        'table-state': (t) => t.state,
      });
      const { page, marker } = paginate(matching, request.MaxRecords, request.Marker, TABLE_STATISTICS_LIMITS);
      return { ReplicationTaskArn: task.arn, TableStatistics: page.map(tableStatisticsShape), Marker: marker };
    },
  },
};
