import mysql from 'mysql2/promise';

/** An admin connection to the sandbox MariaDB, for tests that change the source and put it back. */
export function sourceAdmin(): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: process.env.SOURCE_DB_HOST,
    port: Number(process.env.SOURCE_DB_PORT),
    user: process.env.SANDBOX_MYSQL_ADMIN_USER,
    password: process.env.SANDBOX_MYSQL_ADMIN_PASSWORD,
    multipleStatements: true,
  });
}

/** One statement (or several) on the sandbox source as admin, on a connection of its own. */
export async function sourceSql<T = unknown>(statement: string): Promise<T> {
  const db = await sourceAdmin();
  try {
    const [rows] = await db.query(statement);
    return rows as T;
  } finally {
    await db.end();
  }
}
