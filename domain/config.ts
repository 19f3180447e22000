import { z } from 'zod';

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
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
    engine: z.enum(['mysql', 'aurora-mysql', 'mariadb']).default('mysql'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(3306),
    user: z.string().min(1),
    password: passwordSourceSchema,
    schemas: z.array(schemaName).min(1),
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
    name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
    taskIdentifier: identifier,
    tableClass: tableClassSchema,
    instance: identifier,
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
    name: z.string().min(1),
    /** The AWS account the pipeline runs in; scopes the generated IAM policy (any account when absent). */
    accountId: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1'),
    sources: z.array(sourceSchema).min(1),
    target: z
      .object({
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
        folder: z.string().regex(/^[A-Za-z0-9_./-]*[A-Za-z0-9_-]$/, 'must be an S3 folder without leading or trailing slash'),
      })
      .strict(),
    dms: z
      .object({
        replicationInstances: z
          .array(
            z
              .object({
                identifier,
                allowedClasses: z.array(instanceClass).min(1),
                /** Free storage below this (GB) refuses a resize and proposes more storage. */
                minFreeStorageGb: z.number().positive().default(20),
              })
              .strict(),
          )
          .min(1),
        endpoints: z
          .object({
            source: identifier,
            target: identifier,
          })
          .strict(),
        /** USD per hour by instance class, for the resize plan's cost estimate. */
        hourlyPrices: z.record(instanceClass, z.number().nonnegative()).default({}),
      })
      .strict(),
    taskGroups: z.array(taskGroupSchema).min(1),
    approvers: z
      .object({
        /** Allowed approvers for every runbook kind that has no list of its own. */
        default: z.array(z.string().min(1)).min(1),
        byKind: z.partialRecord(runbookKindSchema, z.array(z.string().min(1)).min(1)).default({}),
        /** When true, the person who started a runbook cannot approve its gates. */
        fourEyes: z.boolean().default(false),
      })
      .strict(),
    /** Signed gate decisions (SSHSIG, `ssh-keygen -Y sign`): see domain/signedDecision.ts and the README. */
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
        webhookUrl: z.url().optional(),
        /** The Temporal Web UI's base address (e.g. https://temporal.example.com): notifications link to the run. */
        webUiUrl: z.url().optional(),
      })
      .strict()
      .default({}),
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
        pollSeconds: z.number().positive().default(30),
        /** Worker-wide DMS API budget, kept under the account's refill rate of about 4 requests per second. */
        dmsRequestsPerSecond: z.number().positive().max(4).default(2),
        fullLoadHours: z.number().positive().default(48),
        stateChangeMinutes: z.number().positive().default(30),
        /** Deadline for a replication instance change to finish (available, nothing pending) before it counts as stuck. */
        instanceModifyMinutes: z.number().positive().default(60),
        /** After a resize, how long CDC latency is watched before the resumed tasks count as healthy. */
        settleMinutes: z.number().positive().default(10),
        /** fullReload: how long the finalize gate waits for CDC written after the reload before it shows its check. */
        cdcCheckMinutes: z.number().nonnegative().default(15),
        /**
         * How long DMS's Describe may still show the state from before a Create, Modify or Start of this runbook
         * (eventually consistent reads; see domain/describeLag.ts) before the change counts as lost.
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
        binlogRetentionDays: z.number().positive().default(7),
        targetFileSizeMb: z.number().int().min(1).default(128),
        gateTimeoutMinutes: z
          .number()
          .positive()
          .default(24 * 60),
        gateReminderMinutes: z.number().positive().default(60),
        maxBackfillDays: z.number().int().positive().default(93),
        cdcLatencySecondsMax: z.number().positive().default(300),
        freeStoragePercentMin: z.number().min(0).max(100).default(15),
        cpuPercentMax: z.number().min(0).max(100).default(85),
        freeableMemoryMbMin: z.number().nonnegative().default(512),
        /** pipelineDoctor: CPU (max over its window) under which an instance running only CDC is oversized. */
        cdcCpuPercentLow: z.number().min(0).max(100).default(20),
        /** pipelineDoctor: files beyond what a table's bytes need at the target size before small files are reported. */
        smallFilesMinExcess: z.number().int().nonnegative().default(20),
        /** pipelineDoctor: share of a table's bytes in files under the target size (percent) before it is reported. */
        smallFileBytesPercentMax: z.number().min(0).max(100).default(50),
        /** Locks: how often a held lock checks that its holder run is still running, and frees itself when not. */
        lockHolderCheckSeconds: z.number().positive().default(300),
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
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('\n');
}

export class ConfigError extends Error {
  constructor(where: string, details: string) {
    super(`invalid pipeline configuration ${where}:\n${details}`);
    this.name = 'ConfigError';
  }
}

export function parsePipelineConfig(raw: unknown, where = '(inline)'): PipelineConfig {
  const result = pipelineConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(where, describeIssues(result.error));
  return result.data;
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
