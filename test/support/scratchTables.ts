import { sourceAdmin } from './sourceAdmin';

let counter = 0;

/** A unique suffix for tables, task groups and tasks a test creates, so suites never see each other's state. */
export function uniqueName(prefix: string): string {
  return `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}

export interface ScratchTableOptions {
  rows?: number;
  primaryKey?: boolean;
  /** A foreign key to shop.customers (replicated by the seeded task shop-core). */
  referencesCustomers?: boolean;
}

/** Creates shop.<name> with an ENUM and a date column and `rows` deterministic rows; returns `shop.<name>`. */
export async function createScratchTable(name: string, options: ScratchTableOptions = {}): Promise<string> {
  const rows = options.rows ?? 1000;
  const admin = await sourceAdmin();
  try {
    await admin.query(
      `CREATE TABLE shop.\`${name}\` (
         id INT NOT NULL${options.primaryKey === false ? '' : ' PRIMARY KEY'},
         customer_id INT NOT NULL,
         state ENUM('new','active','closed') NOT NULL,
         amount DECIMAL(10,2) NOT NULL,
         created_on DATE NOT NULL
         ${options.referencesCustomers ? `, CONSTRAINT fk_${name}_customer FOREIGN KEY (customer_id) REFERENCES shop.customers (id)` : ''}
       ) ENGINE=InnoDB`,
    );
    if (rows > 0) {
      await admin.query(
        `INSERT INTO shop.\`${name}\` SELECT seq, 1 + seq % 5000, ELT(1 + seq % 3, 'new', 'active', 'closed'), seq % 1000 + 0.5, DATE('2026-06-01') + INTERVAL (seq % 60) DAY FROM shop.seq_1_to_${rows}`,
      );
    }
    await admin.query(`ANALYZE TABLE shop.\`${name}\``);
  } finally {
    await admin.end();
  }
  return `shop.${name}`;
}

export async function dropScratchTable(qualified: string): Promise<void> {
  const [schema, table] = qualified.split('.');
  const admin = await sourceAdmin();
  try {
    await admin.query(`DROP TABLE IF EXISTS \`${schema}\`.\`${table}\``);
  } finally {
    await admin.end();
  }
}

/**
 * Creates shop.<name> with a JSON and a LONGTEXT column (LOBs for DMS) and a `created_on` date (2026-06-01 to -03),
 * one row per entry of `lengths`: `body` holds that many bytes, `doc` a JSON document of about as many; returns
 * `shop.<name>`.
 */
export async function createLobScratchTable(name: string, lengths: number[]): Promise<string> {
  const admin = await sourceAdmin();
  try {
    await admin.query(
      `CREATE TABLE shop.\`${name}\` (id INT NOT NULL PRIMARY KEY, title VARCHAR(40) NOT NULL, doc JSON, body LONGTEXT, created_on DATE NOT NULL) ENGINE=InnoDB`,
    );
    for (const [i, length] of lengths.entries()) {
      await admin.query(
        `INSERT INTO shop.\`${name}\` VALUES (?, ?, JSON_OBJECT('pad', REPEAT('y', ?)), REPEAT('x', ?), DATE('2026-06-01') + INTERVAL ? DAY)`,
        [i + 1, `row ${i + 1}`, Math.max(0, length - 10), length, i % 3],
      );
    }
    await admin.query(`ANALYZE TABLE shop.\`${name}\``);
  } finally {
    await admin.end();
  }
  return `shop.${name}`;
}

/** The schema drift a schemaDriftWatch reports when a scratch table's `state` ENUM is reordered (the seed's ENUM scenario). */
export function scratchEnumReorder(table: string) {
  return {
    detectedBy: 'test',
    changes: [
      {
        table,
        column: 'state',
        kind: 'enum-values-reordered' as const,
        severity: 'unsafe' as const,
        before: "enum('new','active','closed')",
        after: "enum('closed','active','new')",
        detail: 'reordered',
      },
    ],
  };
}
