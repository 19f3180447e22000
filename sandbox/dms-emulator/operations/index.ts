import { withDescribeLag } from '../describeLag';
import type { OperationTable } from '../operation';
import { connectionOperations } from './connections';
import { endpointOperations } from './endpoints';
import { orderableInstanceOperations } from './orderableInstances';
import { replicationInstanceOperations } from './replicationInstances';
import { replicationTaskOperations } from './replicationTasks';
import { tableStatisticsOperations } from './tableStatistics';
import { tagOperations } from './tags';

/** Every DMS operation the emulator answers, by its X-Amz-Target name; Describe calls lag the writes (describeLag.ts). */
export const OPERATIONS: OperationTable = withDescribeLag({
  ...replicationInstanceOperations,
  ...endpointOperations,
  ...connectionOperations,
  ...replicationTaskOperations,
  ...tableStatisticsOperations,
  ...orderableInstanceOperations,
  ...tagOperations,
});
