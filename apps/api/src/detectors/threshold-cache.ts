import { Injectable } from '@nestjs/common';
import type { ExceptionKind } from '@vigil/contracts';
import { DEFAULT_THRESHOLDS } from '@vigil/domain';
import { ThresholdStore } from '@vigil/persistence';

/** Thresholds change rarely (an admin or a tuning run); re-read them at most this often. */
const TTL_MS = 30_000;

/** Every detector's effective threshold: its stored override, or the built-in default. */
@Injectable()
export class ThresholdCache {
  private cached: { values: Readonly<Record<ExceptionKind, number>>; readAt: number } | null = null;

  constructor(private readonly store: ThresholdStore) {}

  async current(): Promise<Readonly<Record<ExceptionKind, number>>> {
    const now = Date.now();
    if (!this.cached || now - this.cached.readAt > TTL_MS) {
      const overrides = await this.store.all();
      this.cached = { values: { ...DEFAULT_THRESHOLDS, ...overrides }, readAt: now };
    }
    return this.cached.values;
  }

  async set(kind: ExceptionKind, threshold: number, actor: string): Promise<void> {
    await this.store.set(kind, threshold, actor);
    this.cached = null;
  }
}
