import { invalidValue } from './dmsFault';

/** The `Filters: [{Name, Values}]` of the Describe operations: a resource matches when every filter matches one value. */
export interface Filter {
  Name: string;
  Values: string[];
}

/** A field gives one value, or several (a task's endpoint-arn is its source and its target). */
export type FilterFields<T> = Record<string, (item: T) => string | string[] | undefined>;

export function applyFilters<T>(items: T[], filters: Filter[] | undefined, fields: FilterFields<T>): T[] {
  if (!filters || filters.length === 0) return items;
  for (const filter of filters) {
    if (!fields[filter.Name]) {
      throw invalidValue(`Filter name "${filter.Name}" is not valid here; valid names: ${Object.keys(fields).join(', ')}`);
    }
  }
  return items.filter((item) =>
    filters.every((filter) => {
      const value = fields[filter.Name]!(item) ?? [];
      return (Array.isArray(value) ? value : [value]).some((v) => filter.Values.includes(v));
    }),
  );
}
