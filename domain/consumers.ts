import { z } from 'zod';
import { formatTableName, TableName, tableMatches } from './tableName';

/**
 * The lake's consumers: who reads a table's files after DMS writes them (docs/downstream.md). A runbook that rewrites
 * or reshapes a table's files pauses each consumer of the table first, and has it rebuild the table afterwards.
 *
 * A consumer names the tables it reads by task group (every table of the group's task) or by `schema.table` pattern
 * (DMS `%` wildcards); a table matched by several consumers is handled by each of them, in configuration order.
 */

const consumerName = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and hyphens, starting with a letter');
const tablePattern = z.string().regex(/^[A-Za-z0-9_$%]{1,64}\.[A-Za-z0-9_$%]{1,64}$/, 'must be schema.table (DMS % wildcards allowed)');

/** Where a token or shared secret comes from: never the value itself. */
export const consumerSecretSchema = z.union(
  [
    z.object({ env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name') }).strict(),
    z
      .object({
        secretArn: z.string().regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN'),
        /** The JSON key holding the value when the secret is a JSON object (default: the whole secret string). */
        jsonKey: z.string().min(1).optional(),
      })
      .strict(),
  ],
  { error: 'must be { env: VARIABLE_NAME } or { secretArn: arn:aws:secretsmanager:… } (never the token itself)' },
);
export type ConsumerSecret = z.infer<typeof consumerSecretSchema>;

const jobId = (which: string) =>
  z
    .number({ error: `must be the numeric job id of ${which} (the Jobs UI shows it; the job's URL ends in /jobs/<id>)` })
    .int()
    .positive();

const common = {
  /** How runbooks, findings and markers name this consumer. */
  name: consumerName,
  /** Task groups (`taskGroups[].name`) whose tables this consumer reads. */
  taskGroups: z.array(z.string()).default([]),
  /** `schema.table` patterns of the tables this consumer reads (DMS `%` wildcards). */
  tables: z.array(tablePattern).default([]),
  /** Extra parameters passed on every rebuild (Databricks: job parameters; webhook: `parameters` of each event). */
  parameters: z.record(z.string().min(1), z.string()).default({}),
  /** How often a wait asks the consumer again (for an active run, or for the rebuild's end). */
  pollSeconds: z.number().positive().default(15),
  /** Deadline for the consumer to become idle after the pause. */
  idleTimeoutMinutes: z.number().positive().default(60),
  /** Deadline for a rebuild to end. */
  rebuildTimeoutMinutes: z.number().positive().default(180),
  /** pipelineDoctor asks the consumer about its last runs (off for a consumer the doctor cannot reach). */
  doctor: z.boolean().default(true),
  /** pipelineDoctor: the consumer's row count of a table may differ from the source's by this share before it is reported. */
  rowCountTolerancePercent: z.number().min(0).max(100).default(1),
};

export const databricksJobConsumerSchema = z
  .object({
    kind: z.literal('databricksJob'),
    ...common,
    /** The workspace URL, such as https://dbc-a1b2c3d4-e5f6.cloud.databricks.com (the Jobs API 2.1 is under /api/2.1/jobs/). */
    host: z.url({ error: 'must be the workspace URL, such as https://dbc-a1b2c3d4-e5f6.cloud.databricks.com' }),
    /** A personal access token or service principal token, sent as `Authorization: Bearer`. */
    token: consumerSecretSchema,
    /** The job that ingests the files (Auto Loader): paused before a rewrite, resumed after. */
    ingestionJobId: jobId('the ingestion job'),
    /** The job that rebuilds one table from its live files, run with `table` and `marker` job parameters. Absent: runbooks refuse to rewrite the consumer's tables. */
    rebuildJobId: jobId('the rebuild job').optional(),
    /**
     * pipelineDoctor counts each table's rows in the lake through the SQL Statement Execution API 2.0 on this SQL
     * warehouse (`SELECT COUNT(*) FROM <table>`) and compares with the source. Absent: no count is asked.
     */
    rowCounts: z
      .object({
        /** The SQL warehouse that runs the count (its id, from the warehouse's Connection details). */
        warehouseId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a SQL warehouse id (letters, digits, _ and -)'),
        /** The lake table of a source table: `{schema}` and `{table}` are replaced, such as `main.silver.{schema}__{table}`. */
        table: z
          .string()
          .regex(
            /^[A-Za-z0-9_.`{}-]{1,255}$/,
            'must be a table name with {schema} and {table} placeholders, such as main.silver.{schema}__{table}',
          )
          .refine((t) => t.includes('{table}'), 'must contain {table} (the source table name)'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const webhookConsumerSchema = z
  .object({
    kind: z.literal('webhook'),
    ...common,
    /** Receives the events of docs/downstream.md#webhook-contract as JSON POSTs. */
    url: z.url({ error: 'must be an http(s) URL that receives the consumer events' }),
    /** A shared secret: each request carries `X-Dms-Runbooks-Signature: sha256=<HMAC-SHA256 of the body>`. */
    secret: consumerSecretSchema.optional(),
  })
  .strict();

export const consumerSchema = z.discriminatedUnion('kind', [databricksJobConsumerSchema, webhookConsumerSchema], {
  error: 'kind must be "databricksJob" or "webhook"',
});
export type ConsumerConfig = z.infer<typeof consumerSchema>;
export type DatabricksJobConsumer = z.infer<typeof databricksJobConsumerSchema>;
export type WebhookConsumer = z.infer<typeof webhookConsumerSchema>;

/** Where the consumers checks sit in pipelineConfigSchema's superRefine: which consumer, and what to fix. */
export function consumerIssues(
  consumers: ConsumerConfig[],
  taskGroupNames: string[],
): Array<{ path: Array<string | number>; message: string }> {
  const issues: Array<{ path: Array<string | number>; message: string }> = [];
  const seen = new Set<string>();
  consumers.forEach((consumer, i) => {
    const who = `consumer "${consumer.name}"`;
    if (seen.has(consumer.name))
      issues.push({ path: ['consumers', i, 'name'], message: `${who}: duplicate consumer name; give each consumer its own` });
    seen.add(consumer.name);
    if (!consumer.taskGroups.length && !consumer.tables.length)
      issues.push({
        path: ['consumers', i],
        message: `${who} reads no table: add taskGroups (names of taskGroups[]) or tables (schema.table patterns)`,
      });
    consumer.taskGroups.forEach((group, k) => {
      if (!taskGroupNames.includes(group))
        issues.push({
          path: ['consumers', i, 'taskGroups', k],
          message: `${who}: unknown task group "${group}" (known: ${taskGroupNames.join(', ')})`,
        });
    });
    if (consumer.kind === 'databricksJob') {
      const host = new URL(consumer.host);
      if (host.protocol !== 'https:' && !isLoopback(host.hostname))
        issues.push({ path: ['consumers', i, 'host'], message: `${who}: the workspace URL must be https:// (a token is sent to it)` });
      if (host.pathname !== '/' && host.pathname !== '')
        issues.push({
          path: ['consumers', i, 'host'],
          message: `${who}: give the workspace URL without a path (${host.origin}); the runbooks add /api/2.1/jobs/…`,
        });
      if (consumer.rebuildJobId === consumer.ingestionJobId)
        issues.push({
          path: ['consumers', i, 'rebuildJobId'],
          message: `${who}: the rebuild job must not be the ingestion job (${consumer.ingestionJobId}): the ingestion job is paused while the rebuild runs`,
        });
    }
    for (const reserved of ['table', 'marker'])
      if (reserved in consumer.parameters)
        issues.push({
          path: ['consumers', i, 'parameters', reserved],
          message: `${who}: "${reserved}" is set by the runbook on every rebuild; remove it from parameters`,
        });
  });
  return issues;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

/** A table as a runbook knows it: its name and the task group whose task replicates it (when known). */
export interface ConsumedTable {
  table: TableName;
  taskGroup?: string;
}

/** The consumers that read a table, in configuration order. */
export function consumersOf(consumers: ConsumerConfig[], table: ConsumedTable): ConsumerConfig[] {
  return consumers.filter(
    (c) => (table.taskGroup !== undefined && c.taskGroups.includes(table.taskGroup)) || c.tables.some((p) => tableMatches(p, table.table)),
  );
}

/** Each consumer with the tables of `tables` it reads; consumers reading none are left out. */
export function consumersByTable(
  consumers: ConsumerConfig[],
  tables: ConsumedTable[],
): Array<{ consumer: ConsumerConfig; tables: string[] }> {
  return consumers
    .map((consumer) => ({
      consumer,
      tables: tables.filter((t) => consumersOf([consumer], t).length > 0).map((t) => formatTableName(t.table)),
    }))
    .filter((c) => c.tables.length > 0);
}

/** The lake table a consumer's row count reads for a source table (`rowCounts.table` with its placeholders filled). */
export function lakeTableName(template: string, table: TableName): string {
  return template.replaceAll('{schema}', table.schema).replaceAll('{table}', table.table);
}

/** What a consumer is, in one phrase for plans and errors. */
export function describeConsumer(consumer: ConsumerConfig): string {
  return consumer.kind === 'databricksJob'
    ? `consumer "${consumer.name}" (Databricks job ${consumer.ingestionJobId} on ${new URL(consumer.host).host}${consumer.rebuildJobId ? `, rebuild job ${consumer.rebuildJobId}` : ''})`
    : `consumer "${consumer.name}" (webhook ${new URL(consumer.url).host})`;
}
