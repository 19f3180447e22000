import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import mysql from 'mysql2/promise';
import { PipelineConfig, SourceConfig } from '../domain/config';

/**
 * Which server of a source a statement goes to. `reader` (the default) is the source's reader endpoint when one is
 * configured (`sources[].reader`), so the scans and counts of verification, backfill and the doctor load a replica;
 * `writer` is the host DMS reads, for what only it can answer: its binary log settings and grants (DMS reads the
 * binary log of the server it connects to; Aurora replicas have none of their own), and values compared with
 * changes DMS has just captured (a replica behind by its lag would show old values as a mismatch).
 */
export type SourceRole = 'reader' | 'writer';

/**
 * Connection pools to the configured MySQL sources. The password is read here, from an environment variable or
 * Secrets Manager, and never enters a workflow input, a history or a log line.
 */
export class SourceDatabases {
  private readonly pools = new Map<string, Promise<mysql.Pool>>();

  constructor(
    private readonly config: PipelineConfig,
    private readonly secrets: SecretsManagerClient,
  ) {}

  source(name: string): SourceConfig {
    const source = this.config.sources.find((s) => s.name === name);
    if (!source) throw new Error(`unknown source "${name}" (configured: ${this.config.sources.map((s) => s.name).join(', ')})`);
    return source;
  }

  /** The host and port a role's statements go to: the reader endpoint when configured, else the source's host. */
  address(name: string, role: SourceRole = 'reader'): { host: string; port: number } {
    const source = this.source(name);
    if (role === 'reader' && source.reader) return { host: source.reader.host, port: source.reader.port ?? source.port };
    return { host: source.host, port: source.port };
  }

  pool(name: string, role: SourceRole = 'reader'): Promise<mysql.Pool> {
    const address = this.address(name, role);
    const key = `${name} ${address.host}:${address.port}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = this.createPool(this.source(name), address);
      this.pools.set(key, pool);
      pool.catch(() => this.pools.delete(key));
    }
    return pool;
  }

  async query<T extends mysql.RowDataPacket>(name: string, sql: string, params: unknown[] = [], role: SourceRole = 'reader'): Promise<T[]> {
    const pool = await this.pool(name, role);
    const [rows] = await pool.query<T[]>(sql, params);
    return rows;
  }

  /**
   * A query that a cancellation stops on the server too: on abort, `KILL QUERY <thread id>` from another connection
   * ends the statement and keeps the connection (MySQL Reference Manual, "KILL Statement"; the page is not in the
   * project's stored sources, so this is unverified beyond test/activities/cancellableQuery.test.ts against MariaDB),
   * so a cancelled checksum does not keep scanning the source. The query then fails (ER_QUERY_INTERRUPTED), which
   * the caller turns into its cancellation.
   */
  async cancellableQuery<T extends mysql.RowDataPacket>(
    name: string,
    sql: string,
    signal?: AbortSignal,
    params: unknown[] = [],
  ): Promise<T[]> {
    if (!signal) return this.query<T>(name, sql, params);
    const pool = await this.pool(name);
    const connection = await pool.getConnection();
    const kill = () => void pool.query(`KILL QUERY ${Number(connection.threadId)}`).catch(() => undefined);
    signal.addEventListener('abort', kill, { once: true });
    try {
      const [rows] = await connection.query<T[]>(sql, params);
      return rows;
    } finally {
      signal.removeEventListener('abort', kill);
      connection.release();
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map(async (p) => (await p.catch(() => undefined))?.end()));
  }

  private async createPool(source: SourceConfig, address: { host: string; port: number }): Promise<mysql.Pool> {
    const password = await this.password(source);
    return mysql.createPool({
      host: address.host,
      port: address.port,
      user: source.user,
      password,
      connectionLimit: 4,
      connectTimeout: 10000,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  }

  private async password(source: SourceConfig): Promise<string> {
    if ('env' in source.password) {
      const value = process.env[source.password.env];
      if (value === undefined) {
        throw new Error(
          `source "${source.name}": environment variable ${source.password.env} (its password) is not set in the worker's environment`,
        );
      }
      return value;
    }
    const secret = await this.secrets.send(new GetSecretValueCommand({ SecretId: source.password.secretArn }));
    const text = secret.SecretString ?? '';
    // RDS-managed secrets are JSON with a `password` key; plain secrets are the password itself.
    try {
      const parsed = JSON.parse(text) as { password?: unknown };
      if (typeof parsed.password === 'string') return parsed.password;
    } catch {
      /* not JSON */
    }
    if (!text) throw new Error(`source "${source.name}": secret ${source.password.secretArn} has no SecretString`);
    return text;
  }
}
