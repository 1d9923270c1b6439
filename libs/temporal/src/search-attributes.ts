import { temporal } from '@temporalio/proto';
import type { Connection } from '@temporalio/client';
import { CASE_SEARCH_ATTRIBUTES } from '@vigil/contracts';

const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/** The custom search attributes Vigil needs, by name, as `temporal --search-attribute` takes them. */
export const SEARCH_ATTRIBUTE_FLAGS = CASE_SEARCH_ATTRIBUTES.map((key) => `${key.name}=Keyword`);

export class SearchAttributeConflictError extends Error {
  constructor(name: string, actual: string) {
    super(
      `search attribute ${name} exists in the namespace with type ${actual}; Vigil needs Keyword`,
    );
    this.name = 'SearchAttributeConflictError';
  }
}

/**
 * Registers the case search attributes in the namespace when they are missing. Safe to run
 * on every start; fails when one exists with another type.
 */
export async function ensureSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = customAttributes ?? {};
  const missing: Record<string, typeof KEYWORD> = {};
  for (const { name } of CASE_SEARCH_ATTRIBUTES) {
    const type = existing[name];
    if (type === undefined) missing[name] = KEYWORD;
    else if (type !== KEYWORD) {
      throw new SearchAttributeConflictError(
        name,
        temporal.api.enums.v1.IndexedValueType[type] ?? String(type),
      );
    }
  }
  const names = Object.keys(missing);
  if (names.length > 0) {
    await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  }
  return names;
}
