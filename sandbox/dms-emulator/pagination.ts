import { invalidValue } from './dmsFault';

/** MaxRecords and Marker as DMS takes them: MaxRecords outside its range is refused; Marker is opaque. */
export interface PageLimits {
  min: number;
  max: number;
  fallback: number;
}

export const DESCRIBE_LIMITS: PageLimits = { min: 20, max: 100, fallback: 100 };
export const TABLE_STATISTICS_LIMITS: PageLimits = { min: 20, max: 500, fallback: 100 };

export function paginate<T>(
  items: T[],
  maxRecords: number | undefined,
  marker: string | undefined,
  limits: PageLimits,
): { page: T[]; marker?: string } {
  const size = maxRecords ?? limits.fallback;
  if (!Number.isInteger(size) || size < limits.min || size > limits.max) {
    throw invalidValue(`MaxRecords must be between ${limits.min} and ${limits.max}, not ${size}`);
  }
  let offset = 0;
  if (marker !== undefined && marker !== '') {
    const decoded = Number(
      Buffer.from(marker, 'base64')
        .toString('utf8')
        .replace(/^offset:/, ''),
    );
    if (!Number.isInteger(decoded) || decoded < 0) throw invalidValue(`Marker "${marker}" is not one this service returned`);
    offset = decoded;
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`offset:${offset + size}`).toString('base64') : undefined;
  return next ? { page, marker: next } : { page };
}
