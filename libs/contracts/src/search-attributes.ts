import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes the Temporal UI filters cases by; all Keyword. */
export const VigilIdentity = defineSearchAttributeKey('VigilIdentity', SearchAttributeType.KEYWORD);
export const VigilExceptionKind = defineSearchAttributeKey(
  'VigilExceptionKind',
  SearchAttributeType.KEYWORD,
);
export const VigilSeverity = defineSearchAttributeKey('VigilSeverity', SearchAttributeType.KEYWORD);
export const VigilCaseStatus = defineSearchAttributeKey(
  'VigilCaseStatus',
  SearchAttributeType.KEYWORD,
);

export const CASE_SEARCH_ATTRIBUTES = [
  VigilIdentity,
  VigilExceptionKind,
  VigilSeverity,
  VigilCaseStatus,
] as const;
