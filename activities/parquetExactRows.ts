import { type FileMetaData, parquetReadObjects } from 'hyparquet';

/**
 * Reads Parquet rows without passing a value through a JS number where it may not fit. hyparquet turns a DECIMAL
 * into a float64 (`12345678901234567890.1234567890` comes back rounded), so the DECIMAL annotation is taken off
 * before reading and the raw unscaled integer is turned into its exact decimal text here. 64-bit integers (signed
 * and UINT_64) come back as bigints already. Un-annotated byte arrays stay bytes (utf8: false), as DMS writes BLOBs.
 */

type ReadOptions = Omit<Parameters<typeof parquetReadObjects>[0], 'utf8' | 'metadata'> & { metadata: FileMetaData };

/** An unscaled two's-complement integer (INT32, INT64 or big-endian bytes) at `scale` as decimal text. */
export function decimalText(raw: unknown, scale: number): string {
  let unscaled: bigint;
  if (typeof raw === 'bigint') unscaled = raw;
  else if (typeof raw === 'number') unscaled = BigInt(raw);
  else if (raw instanceof Uint8Array) {
    unscaled = 0n;
    for (const byte of raw) unscaled = (unscaled << 8n) | BigInt(byte);
    if (raw.length && raw[0]! & 0x80) unscaled -= 1n << BigInt(raw.length * 8);
  } else throw new Error(`not a DECIMAL value: ${String(raw)}`);
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const text = scale > 0 ? `${whole}.${digits.slice(digits.length - scale)}` : whole;
  return negative ? `-${text}` : text;
}

export async function readExactRows(options: ReadOptions): Promise<Record<string, unknown>[]> {
  const scales = new Map<string, number>();
  const unsigned64 = options.metadata.schema
    .filter(
      (e) =>
        e.converted_type === 'UINT_64' ||
        (e.logical_type?.type === 'INTEGER' && e.logical_type.bitWidth === 64 && !e.logical_type.isSigned),
    )
    .map((e) => e.name);
  const schema = options.metadata.schema.map((element) => {
    const decimal = element.converted_type === 'DECIMAL' || element.logical_type?.type === 'DECIMAL';
    if (!decimal || element.num_children) return element;
    const logical = element.logical_type as { scale?: number } | undefined;
    scales.set(element.name, element.scale ?? logical?.scale ?? 0);
    return { ...element, converted_type: undefined, logical_type: undefined };
  });
  const rows: Record<string, unknown>[] = await parquetReadObjects({ ...options, metadata: { ...options.metadata, schema }, utf8: false });
  if (scales.size === 0 && unsigned64.length === 0) return rows;
  for (const row of rows) {
    for (const [name, scale] of scales) {
      const raw = row[name];
      if (raw !== null && raw !== undefined) row[name] = decimalText(raw, scale);
    }
    // A nullable UINT_64 column can come back as signed bigints: its top bit is a value bit, not a sign.
    for (const name of unsigned64) if (typeof row[name] === 'bigint') row[name] = BigInt.asUintN(64, row[name]);
  }
  return rows;
}
