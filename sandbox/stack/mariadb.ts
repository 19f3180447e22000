import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { Component, ComponentError } from './component';
import { isAlive, portOpen, readPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { StackSettings } from './settings';

export const SANDBOX_ADMIN_USER = 'sandbox_admin';
export const SANDBOX_DMS_USER = 'dms_user';
export const SANDBOX_SCHEMA = 'shop';
/** Seven days: the pipeline's rule for binlog retention (events were lost once with less). */
export const SANDBOX_BINLOG_RETENTION_SECONDS = 7 * 24 * 3600;

function findExecutable(names: string[], dirs = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']): string | undefined {
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if (fs.existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

function installMariaDb(log: (line: string) => void): void {
  if (os.userInfo().uid !== 0) {
    throw new ComponentError(
      'mariadb',
      'mariadb-server is not installed and this user is not root',
      'sudo apt-get install -y mariadb-server mariadb-client',
    );
  }
  log('installing mariadb-server with apt-get (once per machine)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'mariadb-server', 'mariadb-client'], {
      stdio: 'pipe',
      env,
      timeout: 900000,
    });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update', '-q'], { stdio: 'pipe', env, timeout: 600000 });
    install();
  }
}

/** MariaDB as a DMS-ready MySQL source: its own datadir under .stack/, binlog ROW/FULL, 7-day retention, seeded shop. */
export function mariadbComponent(s: StackSettings, log: (line: string) => void): Component {
  const home = path.join(s.stackDir, 'mariadb');
  const dataDir = path.join(home, 'data');
  const socket = path.join(home, 'mysqld.sock');
  const asRoot = os.userInfo().uid === 0;

  const adminConnection = () =>
    mysql.createConnection({
      host: s.host,
      port: s.mysqlPort,
      user: SANDBOX_ADMIN_USER,
      password: s.mysqlAdminPassword,
      multipleStatements: true,
    });

  return {
    name: 'mariadb',
    address: `${s.host}:${s.mysqlPort} (schema ${SANDBOX_SCHEMA}, user ${SANDBOX_DMS_USER})`,
    isUp: async () => isAlive(readPid(s.stackDir, 'mariadb')) && (await portOpen(s.host, s.mysqlPort)),
    async start() {
      if (!findExecutable(['mariadbd', 'mysqld'])) installMariaDb(log);
      const server = findExecutable(['mariadbd', 'mysqld']);
      const installDb = findExecutable(['mariadb-install-db', 'mysql_install_db']);
      if (!server || !installDb) {
        throw new ComponentError('mariadb', 'mariadbd or mariadb-install-db not found after install', 'apt-get install -y mariadb-server');
      }
      const firstStart = !fs.existsSync(path.join(dataDir, 'mysql'));
      if (firstStart) {
        fs.mkdirSync(dataDir, { recursive: true });
        log(`initialising MariaDB data directory ${dataDir}`);
        execFileSync(
          installDb,
          [
            '--no-defaults',
            `--datadir=${dataDir}`,
            '--auth-root-authentication-method=normal',
            '--skip-test-db',
            ...(asRoot ? ['--user=root'] : []),
          ],
          {
            stdio: 'pipe',
            timeout: 180000,
          },
        );
      }
      fs.mkdirSync(path.join(home, 'binlog'), { recursive: true });
      startDetached({
        name: 'mariadb',
        command: server,
        args: [
          '--no-defaults',
          `--datadir=${dataDir}`,
          `--socket=${socket}`,
          `--pid-file=${path.join(home, 'mariadbd.pid')}`,
          `--port=${s.mysqlPort}`,
          `--bind-address=${s.host}`,
          // What DMS needs from a MySQL source (AWS DMS User Guide, "Using a MySQL-compatible database as a source for AWS DMS").
          `--log-bin=${path.join(home, 'binlog', 'mysql-bin')}`,
          '--server-id=1',
          '--binlog-format=ROW',
          '--binlog-row-image=FULL',
          '--binlog-checksum=NONE',
          `--binlog-expire-logs-seconds=${SANDBOX_BINLOG_RETENTION_SECONDS}`,
          '--innodb-buffer-pool-size=256M',
          '--max-connections=500',
          ...(asRoot ? ['--user=root'] : []),
        ],
        stackDir: s.stackDir,
        logsDir: s.logsDir,
      });
      await waitFor(
        'mariadb',
        () => portOpen(s.host, s.mysqlPort),
        60000,
        () => tailLog(s.logsDir, 'mariadb'),
      );
      if (firstStart) {
        // Root is socket-only after install; create the TCP admin and DMS users through the socket once.
        const client = findExecutable(['mariadb', 'mysql']) ?? 'mariadb';
        const sql = [
          `CREATE USER IF NOT EXISTS '${SANDBOX_ADMIN_USER}'@'%' IDENTIFIED BY '${s.mysqlAdminPassword}'`,
          `GRANT ALL PRIVILEGES ON *.* TO '${SANDBOX_ADMIN_USER}'@'%' WITH GRANT OPTION`,
          `CREATE USER IF NOT EXISTS '${SANDBOX_DMS_USER}'@'%' IDENTIFIED BY '${s.sourcePassword}'`,
          `GRANT REPLICATION CLIENT, REPLICATION SLAVE, SELECT ON *.* TO '${SANDBOX_DMS_USER}'@'%'`,
          'FLUSH PRIVILEGES',
        ].join(';\n');
        execFileSync(client, ['--no-defaults', `--socket=${socket}`, '-u', 'root'], {
          input: sql,
          stdio: ['pipe', 'pipe', 'pipe'],
          timeout: 60000,
        });
      }
    },
    async seed() {
      const connection = await adminConnection();
      try {
        const [rows] = await connection.query<mysql.RowDataPacket[]>(
          'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
          [SANDBOX_SCHEMA, 'page_views'],
        );
        if (Number(rows[0]?.n ?? 0) > 0) return;
        log('seeding the shop schema (about 190,000 rows)');
        // A seed that was interrupted leaves some tables behind: start over.
        await connection.query(`DROP DATABASE IF EXISTS ${SANDBOX_SCHEMA}`);
        await connection.query(fs.readFileSync(path.join(s.root, 'sandbox', 'seed', 'shop.sql'), 'utf8'));
      } finally {
        await connection.end();
      }
    },
    stop: () => stopProcess(s.stackDir, 'mariadb', 60000),
    version: () => {
      const server = findExecutable(['mariadbd', 'mysqld']);
      return server ? execFileSync(server, ['--version'], { stdio: 'pipe', timeout: 30000 }).toString().trim() : undefined;
    },
    env: () => ({
      SOURCE_DB_HOST: s.host,
      SOURCE_DB_PORT: String(s.mysqlPort),
      SOURCE_DB_USER: SANDBOX_DMS_USER,
      SOURCE_DB_PASSWORD: s.sourcePassword,
      SANDBOX_MYSQL_ADMIN_USER: SANDBOX_ADMIN_USER,
      SANDBOX_MYSQL_ADMIN_PASSWORD: s.mysqlAdminPassword,
      SANDBOX_MYSQL_SOCKET: socket,
    }),
  };
}
