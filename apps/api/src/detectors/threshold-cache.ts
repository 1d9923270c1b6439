import { Injectable } from '@nestjs/common';
import type { ExceptionKind, IdentityKind } from '@vigil/contracts';
import {
  AllowanceIndex,
  allowanceRules,
  DEFAULT_LEARNING,
  DEFAULT_THRESHOLDS,
  type DetectionSettings,
} from '@vigil/domain';
import { ThresholdStore, TuningStore } from '@vigil/persistence';

/**
 * How long tuned settings are trusted before they are read again. Tuning runs and accepted
 * risks change them in the worker; an admin's change through this process applies at once.
 */
const TTL_MS = 10_000;

interface Loaded {
  readonly settings: DetectionSettings;
  readonly byIdentityKind: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>>;
  readonly readAt: number;
}

/**
 * What detection is tuned with: every detector's threshold (stored override or default),
 * thresholds of identity kinds tuned apart, and the active allowances.
 */
@Injectable()
export class ThresholdCache {
  private cached: Loaded | null = null;
  private loading: Promise<Loaded> | null = null;

  constructor(
    private readonly store: ThresholdStore,
    private readonly tuning: TuningStore,
  ) {}

  async current(): Promise<Readonly<Record<ExceptionKind, number>>> {
    return (await this.load()).settings.thresholds;
  }

  /** Identity kinds with thresholds of their own, as stored (partial maps). */
  async byIdentityKind(): Promise<Loaded['byIdentityKind']> {
    return (await this.load()).byIdentityKind;
  }

  async settings(): Promise<DetectionSettings> {
    return (await this.load()).settings;
  }

  async set(kind: ExceptionKind, threshold: number, actor: string): Promise<void> {
    await this.store.set(kind, threshold, actor);
    this.invalidate();
  }

  invalidate(): void {
    this.cached = null;
  }

  private async load(): Promise<Loaded> {
    const now = Date.now();
    if (this.cached && now - this.cached.readAt <= TTL_MS) return this.cached;
    // Concurrent requests share one read.
    this.loading ??= this.read(now).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async read(now: number): Promise<Loaded> {
    const [stored, allowances] = await Promise.all([
      this.tuning.thresholds(),
      this.tuning.activeAllowances(new Date(now)),
    ]);
    const thresholds = { ...DEFAULT_THRESHOLDS, ...stored.global };
    const thresholdsByIdentityKind: Partial<
      Record<IdentityKind, Readonly<Record<ExceptionKind, number>>>
    > = {};
    for (const [kind, own] of Object.entries(stored.byIdentityKind)) {
      thresholdsByIdentityKind[kind as IdentityKind] = { ...thresholds, ...own };
    }
    const index = new AllowanceIndex(allowanceRules(allowances));
    this.cached = {
      settings: {
        thresholds,
        thresholdsByIdentityKind,
        allowances: index,
        learning: DEFAULT_LEARNING,
      },
      byIdentityKind: stored.byIdentityKind,
      readAt: now,
    };
    return this.cached;
  }
}
