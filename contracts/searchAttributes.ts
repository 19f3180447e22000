import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, registered by the dev server at start (sandbox/stack) and elsewhere by
 * `npm run setup:namespace`; the worker refuses to start without them (worker/searchAttributeCheck.ts). The keys end in
 * `Key`: the kind of a runbook as a type is `RunbookKind` in domain/config.ts.
 */
export const runbookKindKey = defineSearchAttributeKey('RunbookKind', SearchAttributeType.KEYWORD);
/** Bounded (domain/searchAttributeValues.ts): a reload of many tables says how many rather than naming them all. */
export const runbookTargetKey = defineSearchAttributeKey('RunbookTarget', SearchAttributeType.KEYWORD);
export const runbookStepKey = defineSearchAttributeKey('RunbookStep', SearchAttributeType.KEYWORD);
/** The tables a runbook acts on, one keyword each (`RunbookTables = "shop.orders"` finds every runbook on it). */
export const runbookTablesKey = defineSearchAttributeKey('RunbookTables', SearchAttributeType.KEYWORD_LIST);
/**
 * The pipeline (configuration `name`) whose worker runs the runbook: several pipelines share one namespace, and
 * every lookup of runbooks filters by it (contracts/pipelineRuns.ts). Runs from before it have none.
 */
export const runbookPipelineKey = defineSearchAttributeKey('RunbookPipeline', SearchAttributeType.KEYWORD);

/** Name and type as the Temporal CLI spells them (`--search-attribute Name=Type`, `--type Type`). */
export const SEARCH_ATTRIBUTES = [
  { name: runbookKindKey.name, type: 'Keyword' },
  { name: runbookTargetKey.name, type: 'Keyword' },
  { name: runbookStepKey.name, type: 'Keyword' },
  { name: runbookTablesKey.name, type: 'KeywordList' },
  { name: runbookPipelineKey.name, type: 'Keyword' },
] as const;

export type SearchAttributeDefinition = (typeof SEARCH_ATTRIBUTES)[number];
