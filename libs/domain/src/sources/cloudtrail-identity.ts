import { compact, identityIdOf, isObject, objectAt, stringAt, type JsonObject } from './values';

/**
 * How the caller authenticated: CloudTrail's access key id says whether a long-term key of
 * an IAM user (`AKIA…`) or temporary credentials (`ASIA…`, from STS) made the call.
 */
export type AwsCredentialKind = 'long_term_access_key' | 'temporary_credentials' | 'none';

/** The NHI behind a CloudTrail `userIdentity`, and what to keep about the call's session. */
export interface AwsPrincipal {
  readonly identityId: string;
  /** CloudTrail's `userIdentity.type`. */
  readonly principalType: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export type PrincipalResult =
  | { readonly ok: true; readonly principal: AwsPrincipal }
  | { readonly ok: false; readonly field: string; readonly message: string };

const ASSUMED_ROLE_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

export function credentialKindOf(accessKeyId: string | null): AwsCredentialKind {
  if (accessKeyId === null) return 'none';
  if (accessKeyId.startsWith('AKIA')) return 'long_term_access_key';
  if (accessKeyId.startsWith('ASIA')) return 'temporary_credentials';
  return 'none';
}

/**
 * The role an assumed-role ARN is a session of. The issuer's ARN (with its path) is
 * preferred when CloudTrail gives it; rebuilding from the session ARN loses the path.
 */
export function roleArnOfSession(sessionArn: string): string | null {
  const match = ASSUMED_ROLE_ARN.exec(sessionArn);
  if (match === null) return null;
  const [, partition, account, role] = match;
  return `arn:${partition}:iam::${account}:role/${role}`;
}

function sessionNameOf(sessionArn: string | null): string | null {
  if (sessionArn === null) return null;
  const match = ASSUMED_ROLE_ARN.exec(sessionArn);
  return match === null ? null : match[4]!;
}

function ok(identityId: string, principalType: string, attributes: Record<string, unknown>) {
  return {
    ok: true as const,
    principal: {
      identityId: identityIdOf(identityId),
      principalType,
      attributes: compact(attributes),
    },
  };
}

/**
 * Maps `userIdentity` to the identity Vigil governs:
 * - IAM user: its ARN; the access key id and whether it is a long-term `AKIA` key are kept
 *   as attributes (a long-lived key is what OWASP NHI7 warns about);
 * - assumed role: the role's ARN, so every session of a role is one NHI (session names are
 *   per process or per instance); the session name, issuer and MFA flag are attributes.
 *   IAM Identity Center (SSO) roles are people, flagged `sso: true`;
 * - federated user: its `federated-user` ARN, with the IAM user that minted it;
 * - root: the account's root ARN; AWS service: `aws-service:<service principal>`;
 *   another account: `aws-account:<id>`; web identity and SAML users:
 *   `<type>:<provider>:<user>`.
 */
export function principalOf(userIdentity: unknown, record: JsonObject): PrincipalResult {
  if (!isObject(userIdentity)) {
    return { ok: false, field: 'userIdentity', message: 'userIdentity must be an object' };
  }
  const type = stringAt(userIdentity, 'type') ?? 'Unknown';
  const arn = stringAt(userIdentity, 'arn');
  const accountId = stringAt(userIdentity, 'accountId') ?? stringAt(record, 'recipientAccountId');
  const accessKeyId = stringAt(userIdentity, 'accessKeyId');
  const principalId = stringAt(userIdentity, 'principalId');
  const invokedBy = stringAt(userIdentity, 'invokedBy');
  const session = objectAt(userIdentity, 'sessionContext');
  const issuer = objectAt(session, 'sessionIssuer');
  const sessionAttributes = objectAt(session, 'attributes');
  const mfa = stringAt(sessionAttributes, 'mfaAuthenticated');
  const common = {
    principalArn: arn,
    principalId,
    accountId,
    accessKeyId,
    credential: credentialKindOf(accessKeyId),
    invokedBy,
    mfaAuthenticated: mfa === null ? null : mfa === 'true',
  };

  switch (type) {
    case 'IAMUser': {
      const userName = stringAt(userIdentity, 'userName');
      const id =
        arn ?? (accountId && userName ? `arn:aws:iam::${accountId}:user/${userName}` : null);
      if (id === null) return missing('userIdentity.arn', 'an IAM user needs its arn or userName');
      return ok(id, type, { ...common, userName });
    }
    case 'AssumedRole': {
      const issuerArn = stringAt(issuer, 'arn');
      const roleArn = issuerArn ?? (arn === null ? null : roleArnOfSession(arn));
      if (roleArn === null) {
        return missing('userIdentity.arn', 'an assumed role needs its session arn or issuer');
      }
      const sessionName = sessionNameOf(arn);
      return ok(roleArn, type, {
        ...common,
        roleName: stringAt(issuer, 'userName'),
        sessionName,
        // EC2 instance profiles name the session after the instance.
        instanceId:
          sessionName !== null && /^i-[0-9a-zA-Z]{8,17}$/.test(sessionName) ? sessionName : null,
        sourceIdentity: stringAt(userIdentity, 'sourceIdentity'),
        sso: roleArn.includes(':role/aws-reserved/sso.amazonaws.com/') ? true : null,
      });
    }
    case 'Role': {
      if (arn === null) return missing('userIdentity.arn', 'a role needs its arn');
      return ok(arn, type, common);
    }
    case 'FederatedUser': {
      const id = arn ?? (principalId ? `aws-federated:${principalId}` : null);
      if (id === null) return missing('userIdentity.arn', 'a federated user needs its arn');
      return ok(id, type, { ...common, issuer: stringAt(issuer, 'arn') });
    }
    case 'Root': {
      const id = arn ?? (accountId ? `arn:aws:iam::${accountId}:root` : null);
      if (id === null) return missing('userIdentity.arn', 'root needs its arn or accountId');
      return ok(id, type, common);
    }
    case 'AWSService': {
      const service = invokedBy ?? stringAt(record, 'sourceIPAddress');
      if (service === null) {
        return missing('userIdentity.invokedBy', 'an AWS service call needs invokedBy');
      }
      return ok(`aws-service:${service}`, type, common);
    }
    case 'AWSAccount': {
      if (accountId === null && principalId === null) {
        return missing('userIdentity.accountId', 'a cross-account call needs its accountId');
      }
      return ok(`aws-account:${accountId ?? principalId}`, type, common);
    }
    case 'WebIdentityUser':
    case 'SAMLUser': {
      const provider = stringAt(userIdentity, 'identityProvider');
      const userName = stringAt(userIdentity, 'userName') ?? principalId;
      if (provider === null || userName === null) {
        return missing(
          'userIdentity.identityProvider',
          `a ${type} needs identityProvider and userName`,
        );
      }
      const prefix = type === 'SAMLUser' ? 'saml' : 'web-identity';
      return ok(`${prefix}:${provider}:${userName}`, type, {
        ...common,
        identityProvider: provider,
      });
    }
    default: {
      // IdentityCenterUser, Unknown and types AWS adds later: the most specific name given.
      const id = arn ?? principalId ?? stringAt(userIdentity, 'userName');
      if (id === null) {
        return missing('userIdentity', `a ${type} principal needs an arn or principalId`);
      }
      return ok(id, type, common);
    }
  }
}

function missing(field: string, message: string): PrincipalResult {
  return { ok: false, field, message };
}
