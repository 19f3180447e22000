import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES, SearchAttributeDefinition } from '../contracts/searchAttributes';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

/** The server's enum for each type our attributes use. */
export const INDEXED_TYPES: Record<SearchAttributeDefinition['type'], temporal.api.enums.v1.IndexedValueType> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export interface SearchAttributeProblem {
  attribute: SearchAttributeDefinition;
  /** Registered with another type: it must be renamed or the namespace's attribute removed first. */
  registeredAs?: string;
}

/**
 * The custom search attributes this project upserts that the namespace lacks (or has with another type), read with
 * the operator service's ListSearchAttributes. A workflow task upserting an unregistered attribute fails, and is
 * retried forever while the worker looks healthy: so the worker checks before it polls.
 */
export async function searchAttributeProblems(connection: Connection, namespace: string): Promise<SearchAttributeProblem[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const registered = customAttributes ?? {};
  return SEARCH_ATTRIBUTES.flatMap((attribute): SearchAttributeProblem[] => {
    const type = registered[attribute.name];
    if (type === undefined || type === null) return [{ attribute }];
    if (type !== INDEXED_TYPES[attribute.type]) return [{ attribute, registeredAs: IndexedValueType[type] ?? String(type) }];
    return [];
  });
}

/** The Temporal CLI commands that register what is missing (self-hosted and dev servers). */
export function registrationCommands(problems: SearchAttributeProblem[], namespace: string): string[] {
  return problems
    .filter((p) => !p.registeredAs)
    .map((p) => `temporal operator search-attribute create --namespace ${namespace} --name ${p.attribute.name} --type ${p.attribute.type}`);
}

/**
 * The same for Temporal Cloud, where the namespace's attributes are managed with tcld or the Cloud UI: `tcld namespace
 * search-attributes add -n <namespace> --sa "<name>=<type>"` (temporalio/tcld, its usage text for "Add new search attributes").
 */
export function cloudRegistrationCommand(problems: SearchAttributeProblem[], namespace: string): string | undefined {
  const missing = problems.filter((p) => !p.registeredAs);
  if (missing.length === 0) return undefined;
  return `tcld namespace search-attributes add -n ${namespace} ${missing.map((p) => `--sa "${p.attribute.name}=${p.attribute.type}"`).join(' ')}`;
}

export class SearchAttributesMissing extends Error {}

/** Throws SearchAttributesMissing naming each problem and the commands that fix them. */
export async function requireSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const problems = await searchAttributeProblems(connection, namespace);
  if (problems.length === 0) return;
  const lines = problems.map((p) =>
    p.registeredAs
      ? `  ${p.attribute.name}: registered as ${p.registeredAs}, wanted ${p.attribute.type}; remove it from the namespace (temporal operator search-attribute remove --namespace ${namespace} --name ${p.attribute.name}) and register it again`
      : `  ${p.attribute.name} (${p.attribute.type}): not registered`,
  );
  const commands = registrationCommands(problems, namespace);
  throw new SearchAttributesMissing(
    [
      `namespace ${namespace} lacks search attributes the runbooks upsert (a workflow task upserting one fails until it is registered):`,
      ...lines,
      ...(commands.length
        ? [
            'Register them with `npm run setup:namespace`, or with the Temporal CLI:',
            ...commands.map((c) => `  ${c}`),
            'On Temporal Cloud (or in the Cloud UI, Namespace > Search Attributes):',
            `  ${cloudRegistrationCommand(problems, namespace)}`,
          ]
        : []),
    ].join('\n'),
  );
}
