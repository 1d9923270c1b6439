import type { Playbook } from '../../../contracts/src/remediation';

/**
 * The playbooks Vigil ships, one per action family, each at version 1. An edited playbook
 * is stored as a new version of the same id and replaces the built-in one.
 *
 * Which steps verify and compensate:
 * - Every step that changes state is read back (`verify`); a notice cannot be read back.
 * - Vigil's own restrictions (a revoked scope, a blocked tool) are undone exactly, so a
 *   failed remediation returns the identity to where it was and the case goes to a human.
 * - Effects at the target that reduce access are not undone: a rotated-out credential must
 *   not come back, and a grant revoked at the target is restored by a person if at all.
 * - Suspension is containment and fails closed: when the suspension at the target fails,
 *   Vigil's own suspension stays in force while the failure is escalated.
 */
/** Stop honouring the scope in Vigil at once, then revoke the grant at the provider. */
const REVOKE_SCOPE_STEPS: Playbook['steps'] = [
  {
    name: 'restrict-scope',
    action: 'revoke_scope',
    connector: 'internal',
    params: { scope: '{{value}}' },
    verify: true,
    compensate: true,
  },
  {
    name: 'revoke-grant',
    action: 'revoke_scope',
    connector: 'webhook',
    params: { identityId: '{{identityId}}', scope: '{{value}}' },
    verify: true,
    compensate: false,
  },
];

/** Record the tool as blocked in the identity's restrictions. */
const BLOCK_TOOL_STEPS: Playbook['steps'] = [
  {
    name: 'block-tool',
    action: 'block_tool',
    connector: 'internal',
    params: { tool: '{{value}}' },
    verify: true,
    compensate: true,
  },
];

export const BUILT_IN_PLAYBOOKS: readonly Playbook[] = [
  {
    id: 'rotate-credential',
    version: 1,
    title: 'Rotate an overdue credential',
    description:
      'The credential is past its declared rotation period: ask the secrets platform to ' +
      'rotate it, then confirm the new credential is the active one.',
    matches: { kinds: ['rotation_overdue'], identityKinds: [] },
    steps: [
      {
        name: 'rotate',
        action: 'rotate_credential',
        connector: 'webhook',
        params: { identityId: '{{identityId}}' },
        verify: true,
        compensate: false,
      },
    ],
    autoCeiling: { maxSeverity: 'high', maxCriticality: 'high' },
    containment: false,
  },
  {
    id: 'revoke-scope',
    version: 1,
    title: 'Revoke a scope the identity should not hold',
    description:
      'A scope the identity never used before, an elevation of its privileges, or a scope ' +
      'outside its declared allowed scopes: Vigil stops honouring the scope at once, then ' +
      'the identity provider revokes the grant.',
    matches: {
      kinds: ['novel_scope', 'privilege_elevation', 'policy_violation'],
      identityKinds: [],
      dimensions: ['scope'],
    },
    steps: REVOKE_SCOPE_STEPS,
    autoCeiling: { maxSeverity: 'medium', maxCriticality: 'high' },
    containment: false,
  },
  {
    id: 'revoke-unused-scope',
    version: 1,
    title: 'Revoke a granted scope the identity does not use',
    description:
      'Least privilege: a scope grant unused for weeks is removed. Vigil stops honouring the ' +
      'grant, then the identity provider revokes it. Always on approval: only the owner knows ' +
      'whether a rare job still needs it.',
    matches: { kinds: ['unused_privilege'], identityKinds: [], dimensions: ['scope'] },
    steps: REVOKE_SCOPE_STEPS,
    autoCeiling: null,
    containment: false,
  },
  {
    id: 'revoke-unused-tool',
    version: 1,
    title: 'Withdraw a granted tool the identity does not use',
    description:
      'Least privilege: a tool grant unused for weeks is blocked for the identity in its ' +
      'restrictions. Always on approval.',
    matches: { kinds: ['unused_privilege'], identityKinds: [], dimensions: ['tool'] },
    steps: BLOCK_TOOL_STEPS,
    autoCeiling: null,
    containment: false,
  },
  {
    id: 'block-agent-tool',
    version: 1,
    title: 'Block a tool for an AI agent',
    description:
      'An agent used a tool its policy does not allow, or one it never used before: the ' +
      'tool is recorded as blocked for the agent in its restrictions.',
    matches: {
      kinds: ['policy_violation', 'novel_tool'],
      identityKinds: ['ai_agent'],
      dimensions: ['tool'],
    },
    steps: BLOCK_TOOL_STEPS,
    autoCeiling: { maxSeverity: 'high', maxCriticality: 'high' },
    containment: false,
  },
  {
    id: 'realign-rotation-schedule',
    version: 1,
    title: 'Realign a rotation or renewal schedule',
    description:
      'A credential was rotated, or a certificate renewed, outside its expected window: ' +
      'ask the automation that owns it to realign its schedule with the declared period.',
    matches: { kinds: ['rotation_outside_window', 'renewal_outside_window'], identityKinds: [] },
    steps: [
      {
        name: 'realign-schedule',
        action: 'realign_rotation_schedule',
        connector: 'webhook',
        params: { identityId: '{{identityId}}' },
        verify: true,
        compensate: true,
      },
    ],
    autoCeiling: { maxSeverity: 'medium', maxCriticality: 'medium' },
    containment: false,
  },
  {
    id: 'notify-vendor-owner',
    version: 1,
    title: "Notify the vendor relationship's owner",
    description:
      'A third-party OAuth app read an unusual set of records: tell whoever owns the vendor ' +
      'relationship, with the evidence, so they can take it up with the vendor.',
    matches: { kinds: ['unusual_record_set'], identityKinds: ['oauth_app'] },
    steps: [
      {
        name: 'notify-owner',
        action: 'notify_vendor_owner',
        connector: 'webhook',
        params: { identityId: '{{identityId}}' },
        verify: false,
        compensate: false,
      },
    ],
    autoCeiling: { maxSeverity: 'high', maxCriticality: 'critical' },
    containment: false,
  },
  {
    id: 'suspend-identity',
    version: 1,
    title: 'Suspend the identity',
    description:
      'Containment: Vigil denies the identity everything at once, then the identity provider ' +
      'suspends it. Never automatic; it runs when an analyst approves or contains.',
    matches: {
      kinds: ['human_use', 'credential_reuse', 'cross_environment'],
      identityKinds: [],
    },
    steps: [
      {
        name: 'suspend-in-vigil',
        action: 'suspend_identity',
        connector: 'internal',
        params: {},
        verify: true,
        compensate: false,
      },
      {
        name: 'suspend-at-provider',
        action: 'suspend_identity',
        connector: 'webhook',
        params: { identityId: '{{identityId}}' },
        verify: true,
        compensate: false,
      },
    ],
    autoCeiling: null,
    containment: true,
  },
];

// Deciding and previewing a playbook, next to the playbooks themselves for workflow code that
// imports this module directly.
export { withinCeiling, type CeilingVerdict } from './matching';
export { previewPlaybook, type PreviewInput } from './preview';
