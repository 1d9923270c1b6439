import { Brackets, type DataSource } from 'typeorm';
import type {
  CaseActivities,
  CaseContext,
  GatherContextInput,
  Identity,
  RelatedCase,
} from '@vigil/contracts';
import { BASELINE_DIMENSIONS, Baseline, type BaselineDimension } from '@vigil/domain';
import {
  BaselineStore,
  CaseEntity,
  EventEntity,
  IdentityStore,
  RestrictionStore,
} from '@vigil/persistence';

const DAY_MS = 86_400_000;
/** How far back "recently used" and "related" reach. */
export const CONTEXT_WINDOW_DAYS = 30;
export const RECENT_EVENTS = 20;
export const RELATED_CASES = 20;
/** Most used values shown per baseline dimension. */
const TOP_VALUES = 5;

export interface CaseContextDeps {
  readonly dataSource: DataSource;
  readonly now?: () => Date;
}

/**
 * Gathers what an analyst needs beside the evidence: the identity as the inventory has it,
 * how old its credential is, what it was granted against what it used lately, its latest
 * events, its baseline in brief, and the cases it has had. Reads only: safe to retry.
 */
export function createContextActivities(
  deps: CaseContextDeps,
): Pick<CaseActivities, 'gatherCaseContext'> {
  const now = deps.now ?? (() => new Date());
  const identities = new IdentityStore(deps.dataSource);
  const baselines = new BaselineStore(deps.dataSource);
  const restrictions = new RestrictionStore(deps.dataSource);

  return {
    async gatherCaseContext({ caseId, report }: GatherContextInput): Promise<CaseContext> {
      const at = now();
      const id = report.identityId;
      const since = new Date(at.getTime() - CONTEXT_WINDOW_DAYS * DAY_MS);
      const [stored, snapshots, events, related, restricted] = await Promise.all([
        identities.get(id),
        baselines.load([id]),
        deps.dataSource.getRepository(EventEntity).find({
          where: { identityId: id },
          order: { time: 'DESC' },
          take: RECENT_EVENTS,
        }),
        relatedCases(deps.dataSource, caseId, id, report.fingerprint, since),
        restrictions.list(id),
      ]);
      const identity: Identity | null = stored
        ? {
            id: stored.id,
            kind: stored.kind,
            owner: stored.owner,
            team: stored.team,
            vendor: stored.vendor,
            criticality: stored.criticality,
            environment: stored.environment,
            policy: stored.policy,
            status: stored.status,
          }
        : null;
      const snapshot = snapshots.get(id);
      const baseline = snapshot ? Baseline.fromSnapshot(snapshot) : null;
      const lastRotated = baseline
        ? Math.max(baseline.lastMoment('rotation') ?? -1, baseline.lastMoment('renewal') ?? -1)
        : -1;
      const usedSince = (dimension: BaselineDimension): string[] => {
        if (!baseline) return [];
        const used: string[] = [];
        for (const value of baseline.values(dimension)) {
          const stats = baseline.seen(dimension, value);
          if (stats && stats.lastSeen >= since.getTime()) used.push(value);
        }
        return used.sort();
      };
      const grantedVsUsed = (granted: readonly string[], used: string[]) => ({
        granted: [...granted],
        used,
        unused: granted.filter((g) => !used.some((u) => covers(g, u))),
      });
      return {
        gatheredAt: at.toISOString(),
        identity,
        credentialAgeDays:
          lastRotated >= 0 ? Math.floor((at.getTime() - lastRotated) / DAY_MS) : null,
        lastRotatedAt: lastRotated >= 0 ? new Date(lastRotated).toISOString() : null,
        scopes: grantedVsUsed(identity?.policy.allowedScopes ?? [], usedSince('scope')),
        tools: grantedVsUsed(identity?.policy.allowedTools ?? [], usedSince('tool')),
        restrictions: restricted.map((r) => ({ kind: r.kind, value: r.value, caseId: r.caseId })),
        recentEvents: events.map((e) => ({
          id: e.id,
          time: e.time.toISOString(),
          type: e.type,
          action: e.action,
          resource: e.resource,
          scope: e.scope,
          outcome: e.outcome,
        })),
        baseline: baseline
          ? {
              learning: baseline.isLearning(),
              eventCount: baseline.eventCount,
              firstEventAt: isoOrNull(baseline.firstEventAt),
              lastEventAt: isoOrNull(baseline.lastEventAt),
              dimensions: dimensionsOf(baseline),
            }
          : null,
        relatedCases: related,
      };
    },
  };
}

/** A declared grant covers a used value when equal, or when it ends in `*` and prefixes it. */
function covers(grant: string, used: string): boolean {
  return grant.endsWith('*') ? used.startsWith(grant.slice(0, -1)) : grant === used;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function dimensionsOf(baseline: Baseline): Record<string, { distinct: number; top: string[] }> {
  const out: Record<string, { distinct: number; top: string[] }> = {};
  for (const dimension of BASELINE_DIMENSIONS) {
    const distinct = baseline.distinct(dimension);
    if (distinct === 0) continue;
    const counted: Array<[string, number]> = [];
    for (const value of baseline.values(dimension)) {
      counted.push([value, baseline.seen(dimension, value)?.count ?? 0]);
    }
    counted.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    out[dimension] = { distinct, top: counted.slice(0, TOP_VALUES).map(([v]) => v) };
  }
  return out;
}

async function relatedCases(
  dataSource: DataSource,
  caseId: string,
  identityId: string,
  fingerprint: string,
  since: Date,
): Promise<RelatedCase[]> {
  const rows = await dataSource
    .getRepository(CaseEntity)
    .createQueryBuilder('c')
    .where('c.id <> :caseId', { caseId })
    .andWhere(
      new Brackets((q) =>
        q
          .where('c.identity_id = :identityId', { identityId })
          .orWhere('c.fingerprint = :fingerprint', { fingerprint }),
      ),
    )
    .andWhere(
      new Brackets((q) =>
        q.where("c.status <> 'resolved'").orWhere('c.opened_at >= :since', { since }),
      ),
    )
    .orderBy('c.opened_at', 'DESC')
    .addOrderBy('c.id', 'DESC')
    .take(RELATED_CASES)
    .getMany();
  return rows.map((row) => ({
    caseId: row.id,
    workflowId: row.workflowId,
    kind: row.kind,
    severity: row.severity,
    status: row.status,
    resolution: row.resolution,
    openedAt: row.openedAt.toISOString(),
    sameFingerprint: row.fingerprint === fingerprint,
  }));
}
