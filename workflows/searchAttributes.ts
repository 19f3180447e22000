import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, registered by the dev server at start (sandbox/stack) and elsewhere by
 * `npm run setup:namespace`; the worker refuses to start without them (worker/searchAttributeCheck.ts).
 */
export const RunbookKind = defineSearchAttributeKey('RunbookKind', SearchAttributeType.KEYWORD);
/** Bounded (domain/searchAttributeValues.ts): a reload of many tables says how many rather than naming them all. */
export const RunbookTarget = defineSearchAttributeKey('RunbookTarget', SearchAttributeType.KEYWORD);
export const RunbookStep = defineSearchAttributeKey('RunbookStep', SearchAttributeType.KEYWORD);
/** The tables a runbook acts on, one keyword each (`RunbookTables = "shop.orders"` finds every runbook on it). */
export const RunbookTables = defineSearchAttributeKey('RunbookTables', SearchAttributeType.KEYWORD_LIST);

/** Name and type as the Temporal CLI spells them (`--search-attribute Name=Type`, `--type Type`). */
export const SEARCH_ATTRIBUTES = [
  { name: RunbookKind.name, type: 'Keyword' },
  { name: RunbookTarget.name, type: 'Keyword' },
  { name: RunbookStep.name, type: 'Keyword' },
  { name: RunbookTables.name, type: 'KeywordList' },
] as const;

export type SearchAttributeDefinition = (typeof SEARCH_ATTRIBUTES)[number];
