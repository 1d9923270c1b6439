import type { OwaspNhiCategory } from '../../../contracts/src/telemetry';
import { OWASP_NHI } from '../../../contracts/src/telemetry';
import type { ExceptionKind } from '../../../contracts/src/vocabulary';
import { DETECTOR_META, type DetectorMeta } from '../detection/scoring';
import { SWEEP_META } from '../sweeps/types';

/**
 * Where each exception kind sits in the frameworks an auditor reads: OWASP NHI Top 10
 * (2025), NIST CSF 2.0 and, for cases about AI agents, CSA MAESTRO.
 */

/** OWASP and the CSF subcategory the kind's detector or sweep serves; none for outside findings. */
export function frameworkMetaOf(kind: ExceptionKind): DetectorMeta | null {
  return (
    (DETECTOR_META as Partial<Record<ExceptionKind, DetectorMeta>>)[kind] ??
    (SWEEP_META as Partial<Record<ExceptionKind, DetectorMeta>>)[kind] ??
    null
  );
}

export function owaspNameOf(category: OwaspNhiCategory): string {
  return OWASP_NHI[category];
}

/**
 * NIST CSF 2.0 Detect-function subcategory each kind evidences. DE.CM (continuous
 * monitoring): DE.CM-01 networks and network services monitored; DE.CM-03 personnel
 * activity and technology usage monitored; DE.CM-06 external service provider activities
 * and services monitored; DE.CM-09 computing hardware and software, runtime environments
 * and their data monitored. DE.AE (adverse event analysis): DE.AE-02 potentially adverse
 * events analysed; DE.AE-03 information correlated from multiple sources.
 *
 * Kinds whose control is a Protect one (PR.AA least privilege, PR.IR isolation) are
 * detected by watching usage, so they count under the DE.CM subcategory of what is watched.
 */
export const CSF_DETECT: Readonly<Record<ExceptionKind, CsfDetectSubcategory>> = {
  novel_scope: 'DE.CM-03',
  novel_tool: 'DE.CM-09',
  novel_resource: 'DE.CM-03',
  rate_spike: 'DE.CM-03',
  off_hours: 'DE.CM-03',
  privilege_elevation: 'DE.CM-03',
  rotation_outside_window: 'DE.CM-09',
  renewal_outside_window: 'DE.CM-09',
  rotation_overdue: 'DE.CM-09',
  certificate_expiring: 'DE.CM-09',
  policy_violation: 'DE.CM-09',
  unusual_record_set: 'DE.CM-06',
  human_use: 'DE.CM-03',
  credential_reuse: 'DE.CM-01',
  cross_environment: 'DE.CM-01',
  telemetry_gap: 'DE.CM-03',
  dormant_identity: 'DE.CM-03',
  // Usage over a window compared with what was granted: an analysis, not one event.
  unused_privilege: 'DE.AE-02',
  // Telemetry names an identity the inventory does not: two sources disagree.
  unclassified_identity: 'DE.AE-03',
  // Reported by another tool and joined to Vigil's own view of the identity.
  external_finding: 'DE.AE-03',
};

export const CSF_DETECT_SUBCATEGORIES = {
  'DE.CM-01': 'Networks and network services are monitored',
  'DE.CM-03': 'Personnel activity and technology usage are monitored',
  'DE.CM-06': 'External service provider activities and services are monitored',
  'DE.CM-09': 'Computing hardware and software, runtime environments, and their data are monitored',
  'DE.AE-02': 'Potentially adverse events are analyzed to better understand associated activities',
  'DE.AE-03': 'Information is correlated from multiple sources',
} as const;
export type CsfDetectSubcategory = keyof typeof CSF_DETECT_SUBCATEGORIES;

/** CSA MAESTRO's seven layers of an agentic AI system. */
export const MAESTRO_LAYERS = {
  L1: 'Foundation Models',
  L2: 'Data Operations',
  L3: 'Agent Frameworks',
  L4: 'Deployment and Infrastructure',
  L5: 'Evaluation and Observability',
  L6: 'Security and Compliance',
  L7: 'Agent Ecosystem',
} as const;
export type MaestroLayer = keyof typeof MAESTRO_LAYERS;

/**
 * The MAESTRO layer a case about an AI agent belongs to, with why. Vigil sees an agent from
 * outside, through its identity's telemetry, so no kind reaches L1 (the model itself) or L3
 * (the framework's internals); an outside finding has no layer of its own.
 */
export const MAESTRO_OF_AGENT_CASE: Readonly<
  Record<ExceptionKind, { readonly layer: MaestroLayer; readonly why: string } | null>
> = {
  novel_tool: {
    layer: 'L7',
    why: 'a tool the agent never used: its reach into the ecosystem of tools and services changed',
  },
  policy_violation: {
    layer: 'L7',
    why: 'a tool action internal policy forbids: misuse of the ecosystem the agent acts in',
  },
  unclassified_identity: {
    layer: 'L7',
    why: 'an agent nobody registered: a rogue or impersonating agent in the ecosystem',
  },
  novel_resource: {
    layer: 'L2',
    why: 'data the agent never touched: its data operations widened (exfiltration, poisoned context)',
  },
  unusual_record_set: {
    layer: 'L2',
    why: 'an unusual set of records read: the data the agent retrieves changed',
  },
  novel_scope: {
    layer: 'L6',
    why: 'a permission the agent never held: its authorisation, a security control, changed',
  },
  privilege_elevation: {
    layer: 'L6',
    why: 'the agent gained privileges: the least-privilege control is being bypassed',
  },
  unused_privilege: {
    layer: 'L6',
    why: 'granted but unused permissions: excess authority the access controls should trim',
  },
  rate_spike: {
    layer: 'L5',
    why: 'activity far above the learned rate: a behavioural drift the observability layer shows',
  },
  off_hours: {
    layer: 'L5',
    why: 'activity outside the learned rhythm: behavioural drift seen through monitoring',
  },
  telemetry_gap: {
    layer: 'L5',
    why: 'the agent went silent: observability of it was lost',
  },
  dormant_identity: {
    layer: 'L5',
    why: 'a dormant agent woke up: seen only through its monitored activity',
  },
  human_use: {
    layer: 'L4',
    why: "a person drives the agent's credential: its deployment boundary was crossed",
  },
  credential_reuse: {
    layer: 'L4',
    why: "one agent credential on many hosts: the agent's infrastructure is not what was deployed",
  },
  cross_environment: {
    layer: 'L4',
    why: 'the agent reached another environment: deployment isolation failed',
  },
  rotation_outside_window: {
    layer: 'L4',
    why: "the agent's credential rotated unexpectedly: infrastructure automation drift",
  },
  renewal_outside_window: {
    layer: 'L4',
    why: "the agent's certificate renewed unexpectedly: infrastructure automation drift",
  },
  rotation_overdue: {
    layer: 'L4',
    why: "the agent's credential is past its rotation period: deployment hygiene",
  },
  certificate_expiring: {
    layer: 'L4',
    why: "the agent's certificate is about to expire: deployment hygiene",
  },
  external_finding: null,
};
