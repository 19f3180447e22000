import type { ClockState } from './emulatedClock';
import type { BehaviourSettings } from './behaviourSettings';
import type { StaleView } from './describeLag';
import type { FaultSettings } from './faultSettings';

/** Everything the emulator knows, as kept in its state file. Times are emulated epoch milliseconds. */

export interface Tag {
  Key: string;
  Value?: string;
}

export interface PendingInstanceValues {
  ReplicationInstanceClass?: string;
  AllocatedStorage?: number;
  MultiAZ?: boolean;
  EngineVersion?: string;
}

export interface InstanceRecord {
  arn: string;
  identifier: string;
  instanceClass: string;
  allocatedStorage: number;
  engineVersion: string;
  multiAZ: boolean;
  availabilityZone: string;
  publiclyAccessible: boolean;
  autoMinorVersionUpgrade: boolean;
  preferredMaintenanceWindow: string;
  networkType: string;
  createdAt: number;
  status: string;
  /** When the current transitional status (creating, modifying, deleting) ends. */
  transitionAt?: number;
  pending?: PendingInstanceValues;
  /** Bytes of task logs and cached changes on the instance's disk: storage used grows with data loaded. */
  bytesUsed: number;
  tags: Tag[];
}

export interface EndpointRecord {
  arn: string;
  identifier: string;
  endpointType: 'source' | 'target';
  engineName: string;
  serverName?: string;
  port?: number;
  username?: string;
  password?: string;
  databaseName?: string;
  extraConnectionAttributes?: string;
  sslMode: string;
  s3Settings?: Record<string, unknown>;
  mySqlSettings?: Record<string, unknown>;
  createdAt: number;
  tags: Tag[];
}

export interface ConnectionRecord {
  instanceArn: string;
  endpointArn: string;
  status: 'testing' | 'successful' | 'failed' | 'deleting';
  lastFailureMessage?: string;
  /** Emulated time at which the result (found in real time) is shown. */
  resultAt: number;
  result?: { ok: boolean; message?: string };
}

export interface ColumnMeta {
  name: string;
  /** information_schema DATA_TYPE, lower case (int, varchar, enum, …). */
  dataType: string;
  /** information_schema COLUMN_TYPE (carries the ENUM labels and unsigned). */
  columnType: string;
  enumLabels?: string[];
  unsigned: boolean;
}

export interface TableRecord {
  schema: string;
  table: string;
  state: string;
  /** Rows the planner counted (with the mapping's source filters): they size the emulated load duration. */
  plannedRows: number;
  plannedStart?: number;
  plannedEnd?: number;
  /** Which run's real load wrote (or is writing) this table; a newer run ignores older results. */
  loadGeneration: number;
  loadDone: boolean;
  loadError?: string;
  fullLoadRows: number;
  fullLoadStartTime?: number;
  fullLoadEndTime?: number;
  fullLoadReloaded: boolean;
  inserts: number;
  updates: number;
  deletes: number;
  ddls: number;
  lastUpdateTime?: number;
  /**
   * The table definition DMS read (at the first load, or a reload that re-reads it), used to decode CDC rows (ENUM
   * indexes, column positions). A `ReloadTables` keeps it: see FIDELITY.md.
   */
  columns?: ColumnMeta[];
  /** The current load must keep `columns` (a ReloadTables, or reload-target under `definitions.reloadTarget: keep`). */
  keepDefinition?: boolean;
  /** The load found no such table on the source (shown `Table does not exist`, setting tableStates.sourceTableMissing). */
  sourceMissing?: boolean;
  /** Table errors of this table since the task's fresh start (ErrorBehavior.TableErrorEscalationCount). */
  errorCount?: number;
}

export interface CdcChange {
  op: 'I' | 'U' | 'D';
  values: unknown[];
  commitMs: number;
  changeSeq: string;
  changeCounter: number;
  streamPosition: string;
}

export interface CdcBuffer {
  /** Emulated time the first buffered change arrived: the batch is written CdcMaxBatchInterval later. */
  firstAt: number;
  bytes: number;
  changes: CdcChange[];
}

export interface BinlogPosition {
  file: string;
  position: number;
}

export interface CdcRecord {
  position?: BinlogPosition;
  /** Read from this time (CdcStartTime) when no position is known yet. */
  startTimeMs?: number;
  buffers: Record<string, CdcBuffer>;
  /** Tables truncated on the source whose files are still to be removed (HandleSourceTableTruncated). */
  truncated?: string[];
  lastEventCommitMs?: number;
  lastPollAt?: number;
}

export interface RunRecord {
  generation: number;
  startType: string;
  /** Real work done before the task may leave `starting` (tables resolved, rows counted). */
  scopeResolved: boolean;
  scopeError?: string;
  fullLoad: boolean;
  fullLoadStartAt?: number;
  fullLoadFinishAt?: number;
  /** Tables to (re)load in this run, by key. */
  loading: string[];
  /** Where CDC starts when this run starts it afresh (from the Start call, else the task's own setting). */
  cdcFromPosition?: string;
  cdcFromTimeMs?: number;
}

export interface TaskStats {
  fullLoadProgressPercent: number;
  elapsedTimeMillis: number;
  tablesLoaded: number;
  tablesLoading: number;
  tablesQueued: number;
  tablesErrored: number;
  freshStartDate?: number;
  startDate?: number;
  stopDate?: number;
  fullLoadStartDate?: number;
  fullLoadFinishDate?: number;
}

export interface TaskRecord {
  arn: string;
  identifier: string;
  sourceEndpointArn: string;
  targetEndpointArn: string;
  instanceArn: string;
  migrationType: 'full-load' | 'cdc' | 'full-load-and-cdc';
  tableMappings: string;
  settings: string;
  taskData?: string;
  status: string;
  /** Status to return to after `modifying`. */
  priorStatus?: string;
  transitionAt?: number;
  /** The StopReason the current `stopping` ends with (a user's StopReplicationTask: NORMAL). */
  pendingStopReason?: string;
  /** Emulated time a recoverable error (fault recoverableErrors) began; DMS is retrying since. */
  recoverableSince?: number;
  stopReason?: string;
  lastFailureMessage?: string;
  createdAt: number;
  startDate?: number;
  cdcStartPosition?: string;
  cdcStartTime?: number;
  cdcStopPosition?: string;
  recoveryCheckpoint?: string;
  everRun: boolean;
  stats: TaskStats;
  /** Emulated ms of running time accumulated by earlier runs (ElapsedTimeMillis). */
  elapsedBeforeMs: number;
  tables: Record<string, TableRecord>;
  run?: RunRecord;
  cdc?: CdcRecord;
  tags: Tag[];
}

export interface CallCounter {
  count: number;
  mutating: boolean;
  /** Calls of `count` answered ThrottlingException. */
  throttled?: number;
}

export interface EmulatorState {
  version: 1;
  region: string;
  clock: ClockState;
  faults: FaultSettings;
  /** Unverified DMS behaviours, one setting each (absent in state files of older emulators: defaults). */
  behaviour?: BehaviourSettings;
  /** Describe's view from before the last write, per ARN, while it is still answered (describeLag.ts). */
  staleViews?: Record<string, StaleView>;
  instances: InstanceRecord[];
  endpoints: EndpointRecord[];
  tasks: TaskRecord[];
  connections: ConnectionRecord[];
  /** Source of $AR_H_CHANGE_SEQ: unique and increasing across the emulator. */
  changeSeq: number;
  generation: number;
  calls: Record<string, CallCounter>;
}

export function tableKey(schema: string, table: string): string {
  return `${schema}.${table}`;
}
