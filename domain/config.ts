import { formatTableName, TableName } from './tableName';
import { z } from 'zod';
import { consumerIssues, consumerSchema } from './consumers';

/**
 * The pipeline configuration: one YAML or JSON file, validated at worker start. Secrets never live here:
 * the source password is named by an environment variable or a Secrets Manager ARN.
 */

const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9-]{0,254}$/, 'must start with a letter and hold only letters, digits and hyphens (DMS identifier rules)');
const schemaName = z.string().regex(/^[A-Za-z0-9_$]{1,64}$/, 'must be a MySQL identifier (letters, digits, _ or $)');
/** `schema.table` patterns; `%` is the DMS wildcard. */
const tablePattern = z.string().regex(/^[A-Za-z0-9_$%]{1,64}\.[A-Za-z0-9_$%]{1,64}$/, 'must be schema.table (DMS % wildcards allowed)');
const instanceClass = z.string().regex(/^dms\.[a-z0-9]+\.[a-z0-9]+$/, 'must be a DMS instance class such as dms.r5.large');

export const passwordSourceSchema = z.union(
  [
    z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name') }).strict(),
    z
      .object({
        secretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
      })
      .strict(),
  ],
  { error: 'must be { env: VARIABLE_NAME } or { secretArn: arn:aws:secretsmanager:… } (never the password itself)' },
);

export const sourceSchema = z
  .object({
    /** How runbooks and task groups name this source. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
    /** Decides how a long query is bounded (MariaDB `max_statement_time`, MySQL `MAX_EXECUTION_TIME`) and which parameter group the readiness advice names (Aurora: the cluster's). */
    engine: z.enum(['mysql', 'aurora-mysql', 'mariadb']).default('mysql'),
    /** The source's address, as the worker reaches it. */
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(3306),
    /**
     * A reader endpoint (an Aurora cluster's reader endpoint, a read replica) for the worker's own reads: checksums,
     * counts, date counts, table facts and schema snapshots. Binary log settings, grants and the check of CDC after a
     * reload still go to `host`, the server DMS reads. Same user and password.
     */
    reader: z
      .object({ host: z.string().min(1), port: z.number().int().min(1).max(65535).optional() })
      .strict()
      .optional(),
    /** The DMS user; the worker connects as it too, and checkSourceReadiness checks its grants. */
    user: z.string().min(1),
    /** Never the password itself: `{ env: VARIABLE }` or `{ secretArn: … }` (an RDS-managed secret's JSON `password` key is used). */
    password: passwordSourceSchema,
    /** The source schemas the pipeline replicates. */
    schemas: z.array(schemaName).min(1),
    /**
     * Rows per statement of a checksum's source scan: the scan reads the table in primary-key chunks of this size and
     * keeps its place in the activity's heartbeat, so a retry resumes after the last chunk instead of from the first row.
     */
    checksumChunkRows: z.number().int().min(100).default(250_000),
    /** For the RDS API checks (parameter group, backup retention). */
    rds: z
      .object({ dbInstanceIdentifier: z.string().min(1).optional(), dbClusterIdentifier: z.string().min(1).optional() })
      .strict()
      .optional(),
  })
  .strict();

export const tableClassSchema = z
  .object({
    volume: z.enum(['low', 'medium', 'high']),
    churn: z.enum(['low', 'medium', 'high']),
    criticality: z.enum(['low', 'medium', 'high']),
  })
  .strict();

export const taskGroupSchema = z
  .object({
    /** How inputs (`taskGroup`, the doctor's `taskGroups`) name this group. */
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
    /** The group's DMS replication task; onboardTable creates it when it does not exist yet. */
    taskIdentifier: identifier,
    /** The class of the group's tables (`volume`, `churn`, `criticality`): file-size advice and the CDC batch interval follow it. */
    tableClass: tableClassSchema,
    /** The replication instance (`dms.replicationInstances[].identifier`) the task runs on. */
    instance: identifier,
    /** The source (`sources[].name`) the group's tables come from. */
    source: z.string(),
    /** Tables this group takes when onboarding without an explicit group. */
    tables: z.array(tablePattern).default([]),
    /** Tables linked by foreign keys to tables of another group may be placed here with them. */
    allowFkPlacement: z.boolean().default(false),
    /** An S3 endpoint of its own, for file-size settings tuned to this class (default: dms.endpoints.target). */
    targetEndpoint: identifier.optional(),
  })
  .strict();

/** An OpenSSH public key line; the key types `ssh-keygen -Y sign` signs with. */
const publicKeyLine = z
  .string()
  .regex(
    /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,2}( .*)?$/,
    'must be an OpenSSH public key line such as "ssh-ed25519 AAAA… you@host" (the contents of a .pub file)',
  );

const kinds = [
  'checkSourceReadiness',
  'onboardTable',
  'fullReload',
  'resizeInstance',
  'backfillPartitions',
  'pipelineDoctor',
  'schemaDriftWatch',
] as const;
export const runbookKindSchema = z.enum(kinds);
export type RunbookKind = z.infer<typeof runbookKindSchema>;

export const pipelineConfigSchema = z
  .object({
    /** The pipeline's name: in notifications, and in the default schema-snapshot prefix `_runbooks/schema-snapshots/<name>`. */
    name: z.string().min(1),
    /** The AWS account the pipeline runs in; scopes the generated IAM policy (any account when absent). */
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    /** The AWS region of the DMS, S3, RDS and CloudWatch resources. */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    sources: z.array(sourceSchema).min(1),
    /** The S3 target every task writes to. */
    target: z
      .object({
        /** The lake's bucket; the quarantine, staging and schema snapshots live at its root, beside `folder`. */
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
        /** The S3 endpoint's `BucketFolder`: a table's files are under `<folder>/<schema>/<table>/`. */
        folder: z.string().regex(/^[A-Za-z0-9_./-]*[A-Za-z0-9_-]$/, 'must be an S3 folder without leading or trailing slash'),
      })
      .strict(),
    dms: z
      .object({
        replicationInstances: z
          .array(
            z
              .object({
                /** A replication instance the runbooks may act on (resizeInstance refuses any other). */
                identifier,
                /** The classes resizeInstance may move the instance to, and the doctor may propose. */
                allowedClasses: z.array(instanceClass).min(1),
                /** Free storage below this (GB) refuses a resize and proposes more storage. */
                minFreeStorageGb: z.number().positive().default(20),
              })
              .strict(),
          )
          .min(1),
        endpoints: z
          .object({
            /** The DMS source endpoint's identifier. */
            source: identifier,
            /** The default S3 target endpoint's identifier (a task group may name its own). */
            target: identifier,
          })
          .strict(),
        /** USD per hour by instance class, for the resize plan's cost estimate. */
        hourlyPrices: z.record(instanceClass, z.number().nonnegative()).default({}),
        /** A Multi-AZ instance's price over hourlyPrices (Single-AZ): primary and standby, so 2 unless your prices differ. */
        multiAzPriceFactor: z.number().positive().default(2),
        /**
         * One DMS budget for all workers: the activities that call DMS run on the task queue `<queue>-dms`, whose
         * dispatch rate the Temporal server enforces across every worker (each worker serves it). Unset: each worker
         * keeps only its own `waits.dmsRequestsPerSecond`, so N workers make up to N times the calls.
         */
        callBudget: z
          .object({
            /** DMS activities (attempts included: the waits poll by retrying) started per second, all workers together. */
            activitiesPerSecond: z.number().positive().max(4),
          })
          .strict()
          .optional(),
      })
      .strict(),
    taskGroups: z.array(taskGroupSchema).min(1),
    /**
     * The lake's consumers of the tables' files (Databricks jobs, webhooks): runbooks that rewrite or reshape files pause
     * them first and have them rebuild the table after (docs/downstream.md). Empty: the runbooks act as before.
     */
    consumers: z.array(consumerSchema).default([]),
    approvers: z
      .object({
        /** Allowed approvers for every runbook kind that has no list of its own. */
        default: z.array(z.string().min(1)).min(1),
        /** Allowed approvers for one runbook kind, instead of `default`. */
        byKind: z.partialRecord(runbookKindSchema, z.array(z.string().min(1)).min(1)).default({}),
        /** When true, the person who started a runbook cannot approve its gates. */
        fourEyes: z.boolean().default(false),
      })
      .strict(),
    /** Signed gate decisions (SSHSIG, `ssh-keygen -Y sign`): see domain/signedDecision.ts and docs/operating.md#signed-decisions. */
    approvals: z
      .object({
        /** `required`: unsigned decisions are refused; `optional`: a signature present must verify; `off`: not checked. */
        signatures: z.enum(['required', 'optional', 'off']).default('off'),
        /** Each person's public keys, one OpenSSH line each (`ssh-ed25519 AAAA… comment`, `ecdsa-sha2-nistp256 …`, `ssh-rsa …`). */
        keys: z.record(z.string().min(1).max(128), z.array(publicKeyLine).min(1)).default({}),
        /**
         * An OpenSSH allowed_signers file (`name ssh-ed25519 AAAA…` lines, as for git's gpg.ssh.allowedSignersFile),
         * read when the configuration is loaded and merged into `keys`. Empty: none.
         */
        allowedSignersFile: z.string().optional(),
        /** A signature older than this (or dated this far in the future) is refused as expired. */
        signingWindowMinutes: z.number().positive().default(15),
        /** Refused decisions kept in the audit (the newest); older ones are only counted. */
        refusedKept: z.number().int().min(1).default(20),
      })
      .strict()
      .default({ signatures: 'off', keys: {}, signingWindowMinutes: 15, refusedKept: 20 }),
    notifications: z
      .object({
        /** A Slack-compatible incoming webhook: gates opened, reminders, decisions, outcomes, drift detected. A failing webhook never fails a runbook. */
        webhookUrl: z.url().optional(),
        /** The Temporal Web UI's base address (e.g. https://temporal.example.com): notifications link to the run. */
        webUiUrl: z.url().optional(),
      })
      .strict()
      .default({}),
    /** What a cancelled runbook does with what it changed (docs/interruptions.md). */
    onCancel: z
      .object({
        /**
         * `resume`: tasks the run stopped are resumed. `leave-stopped`: they stay stopped and the run's status and
         * `canceled` notification print the resume command for each (for a pipeline where a person resumes CDC).
         */
        stoppedTasks: z.enum(['resume', 'leave-stopped']).default('resume'),
        /**
         * A composite resize cancelled on the large class: `scale-down` returns the instance to its original class at
         * once; `gate` asks at a `scale-down` gate first (rejecting it leaves the large class, with the command).
         */
        compositeScaleDown: z.enum(['scale-down', 'gate']).default('scale-down'),
      })
      .strict()
      .default({ stoppedTasks: 'resume', compositeScaleDown: 'scale-down' }),
    /**
     * The ReplicationTaskSettings every runbook-created or runbook-modified task carries (domain/taskSettings.ts), so
     * no task runs on DMS's defaults: those log nothing and truncate LOB values beyond 32 KB without an error.
     */
    taskSettings: z
      .object({
        /** Logging.EnableLogging: a LOB truncation is reported only in the task log. */
        logging: z.boolean().default(true),
        /** ErrorBehavior.TableErrorPolicy: what DMS does with a table that fails (its default is SUSPEND_TABLE). */
        tableErrorPolicy: z.enum(['SUSPEND_TABLE', 'STOP_TASK']).default('SUSPEND_TABLE'),
        lob: z
          .object({
            /** LobMaxSize in KB for limited LOB mode (DMS default 32, documented maximum 102400). */
            maxSizeKb: z.number().int().min(1).max(102400).default(32),
            /**
             * When a table's longest LOB value exceeds the task's LobMaxSize: refuse the onboarding before any change, or
             * raise the task's LobMaxSize (never above 102400 KB). Full and inline LOB mode are not offered: the S3 target
             * does not support them.
             */
            whenLonger: z.enum(['refuse', 'raise-limit']).default('refuse'),
            /** Extra room when raising, in percent of the longest value measured (values keep growing). */
            raiseHeadroomPercent: z.number().int().min(0).max(400).default(25),
            /** Server-side bound on the MAX(LENGTH()) scan of a table's LOB columns; past it the plan refuses. */
            measureTimeoutSeconds: z.number().positive().default(600),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** How runbooks wait for DMS: one Describe per task or instance per interval, shared by every waiting runbook. */
    waits: z
      .object({
        /** How often a wait checks DMS again (through the activity retry policy, so the history does not grow with the wait). */
        pollSeconds: z.number().positive().default(30),
        /** Worker-wide DMS API budget, kept under the account's refill rate of about 4 requests per second. */
        dmsRequestsPerSecond: z.number().positive().max(4).default(2),
        /** Deadline for a full load to finish. */
        fullLoadHours: z.number().positive().default(48),
        /** Deadline for a task to reach the state a runbook waits for (stopped, running, out of modifying). */
        stateChangeMinutes: z.number().positive().default(30),
        /** Deadline for a replication instance change to finish (available, nothing pending) before it counts as stuck. */
        instanceModifyMinutes: z.number().positive().default(60),
        /** After a resize, how long CDC latency is watched before the resumed tasks count as healthy. */
        settleMinutes: z.number().positive().default(10),
        /** fullReload: how long the finalize gate waits for CDC written after the reload before it shows its check. */
        cdcCheckMinutes: z.number().nonnegative().default(15),
        /**
         * How long DMS's Describe may still show the state from before a Create, Modify or Start of this runbook
         * (eventually consistent reads; see domain/describeLag.ts) before the change counts as lost. The waits go on, and a
         * refusal explained by a stale read (InvalidResourceStateFault, ResourceAlreadyExistsFault) is retried, that long.
         */
        describeLagSeconds: z.number().int().min(0).default(300),
      })
      .strict()
      .default({
        pollSeconds: 30,
        dmsRequestsPerSecond: 2,
        fullLoadHours: 48,
        stateChangeMinutes: 30,
        instanceModifyMinutes: 60,
        settleMinutes: 10,
        cdcCheckMinutes: 15,
        describeLagSeconds: 300,
      }),
    thresholds: z
      .object({
        /** Minimum binlog retention: checkSourceReadiness and onboardTable fail under it, the doctor reports it. */
        binlogRetentionDays: z.number().positive().default(7),
        /** The Parquet file size the S3 endpoint settings should aim at (onboardTable's target checks, the doctor's small-file advice). */
        targetFileSizeMb: z.number().int().min(1).default(128),
        /** A gate not decided within this expires: the runbook ends `expired` (fullReload's finalize: see its rollback). */
        gateTimeoutMinutes: z
          .number()
          .positive()
          .default(24 * 60),
        /** How often the webhook is reminded of a gate that waits. */
        gateReminderMinutes: z.number().positive().default(60),
        /** The longest range of days backfillPartitions accepts. */
        maxBackfillDays: z.number().int().positive().default(93),
        /** CDC latency above this fails a resize's verification and is a doctor warning (critical over ten times it). */
        cdcLatencySecondsMax: z.number().positive().default(300),
        /** pipelineDoctor: an instance's free storage under this share is a warning (critical under half of it). */
        freeStoragePercentMin: z.number().min(0).max(100).default(15),
        /** pipelineDoctor: an instance's CPU over this is a warning. */
        cpuPercentMax: z.number().min(0).max(100).default(85),
        /** pipelineDoctor: an instance's freeable memory under this is a warning. */
        freeableMemoryMbMin: z.number().nonnegative().default(512),
        /** pipelineDoctor: CPU (max over its window) under which an instance running only CDC is oversized. */
        cdcCpuPercentLow: z.number().min(0).max(100).default(20),
        /** pipelineDoctor: files beyond what a table's bytes need at the target size before small files are reported. */
        smallFilesMinExcess: z.number().int().nonnegative().default(20),
        /** pipelineDoctor: share of a table's bytes in files under the target size (percent) before it is reported. */
        smallFileBytesPercentMax: z.number().min(0).max(100).default(50),
        /** Locks: how often a held lock checks that its holder run is still running, and frees itself when not. */
        lockHolderCheckSeconds: z.number().positive().default(300),
        /** fullReload: past this many tables, the per-table work runs in child workflows of this many tables each (bounded histories). */
        reloadTablesPerPart: z.number().int().min(1).max(500).default(100),
      })
      .strict()
      .default({
        binlogRetentionDays: 7,
        targetFileSizeMb: 128,
        gateTimeoutMinutes: 24 * 60,
        gateReminderMinutes: 60,
        maxBackfillDays: 93,
        cdcLatencySecondsMax: 300,
        freeStoragePercentMin: 15,
        cpuPercentMax: 85,
        freeableMemoryMbMin: 512,
        cdcCpuPercentLow: 20,
        smallFilesMinExcess: 20,
        smallFileBytesPercentMax: 50,
        lockHolderCheckSeconds: 300,
        reloadTablesPerPart: 100,
      }),
  })
  .strict()
  .superRefine((config, ctx) => {
    const sourceNames = new Set(config.sources.map((s) => s.name));
    const instanceIds = new Set(config.dms.replicationInstances.map((i) => i.identifier));
    const seen = new Map<string, number>();
    config.taskGroups.forEach((group, i) => {
      if (!sourceNames.has(group.source)) {
        ctx.addIssue({
          code: 'custom',
          path: ['taskGroups', i, 'source'],
          message: `unknown source "${group.source}" (known: ${[...sourceNames].join(', ')})`,
        });
      }
      if (!instanceIds.has(group.instance)) {
        ctx.addIssue({
          code: 'custom',
          path: ['taskGroups', i, 'instance'],
          message: `unknown replication instance "${group.instance}" (known: ${[...instanceIds].join(', ')})`,
        });
      }
      if (seen.has(group.name)) {
        ctx.addIssue({ code: 'custom', path: ['taskGroups', i, 'name'], message: `duplicate task group name "${group.name}"` });
      }
      seen.set(group.name, i);
    });
    for (const issue of consumerIssues(
      config.consumers,
      config.taskGroups.map((g) => g.name),
    ))
      ctx.addIssue({ code: 'custom', ...issue });
    if (config.approvals.signatures === 'required') {
      const approvers = new Set([...config.approvers.default, ...Object.values(config.approvers.byKind).flat()]);
      for (const name of approvers) {
        if (!config.approvals.keys[name]) {
          ctx.addIssue({
            code: 'custom',
            path: ['approvals', 'keys', name],
            message: `approver "${name}" has no public key while signatures are required: add the contents of their .pub file`,
          });
        }
      }
    }
  });

export type PipelineConfig = z.infer<typeof pipelineConfigSchema>;
export type SourceConfig = PipelineConfig['sources'][number];
export type TaskGroupConfig = PipelineConfig['taskGroups'][number];

/** `sources[0].port: expected number` style messages, one per bad field. */
export function describeIssues(error: z.ZodError, consumerNames: string[] = []): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join('.') : '(root)';
      const name = issue.path[0] === 'consumers' && typeof issue.path[1] === 'number' ? consumerNames[issue.path[1]] : undefined;
      const named = name && !issue.message.includes(`consumer "${name}"`) ? ` (consumer "${name}")` : '';
      return `${where}${named}: ${issue.message}`;
    })
    .join('\n');
}

export class ConfigError extends Error {
  constructor(where: string, details: string) {
    super(`invalid pipeline configuration ${where}:\n${details}`);
    this.name = 'ConfigError';
  }
}

export function parsePipelineConfig(raw: unknown, where = '(inline)'): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(where, describeIssues(result.error, consumerNamesOf(raw)));
  return result.data;
}

/** The raw consumers' names, so a field error under `consumers.<i>` says which consumer it is. */
function consumerNamesOf(raw: unknown): string[] {
  const consumers = (raw as { consumers?: unknown } | null)?.consumers;
  return Array.isArray(consumers)
    ? consumers.map((c) => {
        const name = (c as { name?: unknown } | null)?.name;
        return typeof name === 'string' ? name : '';
      })
    : [];
}

export function approversFor(config: PipelineConfig, kind: RunbookKind): string[] {
  return config.approvers.byKind[kind] ?? config.approvers.default;
}

export function targetEndpointOf(config: PipelineConfig, group: TaskGroupConfig): string {
  return group.targetEndpoint ?? config.dms.endpoints.target;
}

export function findSource(config: PipelineConfig, name: string): SourceConfig | undefined {
  return config.sources.find((s) => s.name === name);
}

/** The source whose schemas hold the table (a schema belongs to one source). */
export function sourceOfTable(config: PipelineConfig, table: TableName): SourceConfig | undefined {
  return config.sources.find((s) => s.schemas.includes(table.schema));
}

/** Why a table has no source, as the input field `field` names it. */
export function noSourceMessage(config: PipelineConfig, field: string, table: TableName): string {
  return `${field}: schema "${table.schema}" of ${formatTableName(table)} belongs to no configured source (schemas: ${config.sources.flatMap((s) => s.schemas).join(', ')})`;
}
