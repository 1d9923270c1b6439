import { Injectable } from '@nestjs/common';
import type { Principal } from '@vigil/contracts';
import { ApiKeyStore } from '@vigil/persistence';
import { keyDigest, parseApiKey, verifySecret } from './api-key';

/**
 * How long a verified key is trusted without reading the store again: the bound on how late
 * a revocation made by another API instance takes effect here. This instance forgets a key
 * it revokes at once.
 */
export const VERIFIED_KEY_TTL_MS = 10_000;
/** A wrong key is answered from memory this long, so repeating it costs no hashing. */
const REFUSED_KEY_TTL_MS = 5_000;
/** A key's last use is written at most this often. */
const TOUCH_INTERVAL_MS = 60_000;
const MAX_REMEMBERED = 10_000;

interface Remembered {
  readonly principal: Principal | null;
  readonly until: number;
}

/**
 * Turns a presented key into the principal it names. The secret is checked against its scrypt
 * hash once; the outcome is remembered by a digest of the key (never the key itself) for a
 * few seconds, so a busy client costs one hash lookup per request, not one scrypt run.
 */
@Injectable()
export class KeyAuthenticator {
  private readonly remembered = new Map<string, Remembered>();
  private readonly inFlight = new Map<string, Promise<Principal | null>>();
  private readonly touchedAt = new Map<string, number>();

  constructor(private readonly store: ApiKeyStore) {}

  async authenticate(presented: string, now = Date.now()): Promise<Principal | null> {
    const digest = keyDigest(presented);
    const known = this.remembered.get(digest);
    if (known && known.until > now) {
      if (known.principal) this.touch(known.principal.keyId, now);
      return known.principal;
    }
    let pending = this.inFlight.get(digest);
    if (!pending) {
      pending = this.verify(presented, digest, now).finally(() => this.inFlight.delete(digest));
      this.inFlight.set(digest, pending);
    }
    return pending;
  }

  /** Whether the key is one verified moments ago (so no hashing is needed to accept it). */
  trusts(presented: string, now = Date.now()): boolean {
    const known = this.remembered.get(keyDigest(presented));
    return known !== undefined && known.principal !== null && known.until > now;
  }

  /** Stops trusting every remembered use of the key (after it is revoked here). */
  forget(keyId: string): void {
    for (const [digest, entry] of this.remembered) {
      if (entry.principal?.keyId === keyId) this.remembered.delete(digest);
    }
  }

  private async verify(presented: string, digest: string, now: number): Promise<Principal | null> {
    const parsed = parseApiKey(presented);
    const stored = parsed ? await this.store.find(parsed.id) : null;
    const valid =
      parsed !== null &&
      stored !== null &&
      stored.revokedAt === null &&
      (await verifySecret(parsed.secret, stored.secretHash));
    const principal: Principal | null =
      valid && stored ? { keyId: stored.id, actor: stored.name, role: stored.role } : null;
    if (this.remembered.size >= MAX_REMEMBERED) this.evictExpired(now);
    this.remembered.set(digest, {
      principal,
      until: now + (principal ? VERIFIED_KEY_TTL_MS : REFUSED_KEY_TTL_MS),
    });
    if (principal) this.touch(principal.keyId, now);
    return principal;
  }

  private touch(keyId: string, now: number): void {
    const last = this.touchedAt.get(keyId);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    this.touchedAt.set(keyId, now);
    // Last use is informational: a failed write must not fail the request.
    this.store.touch(keyId, new Date(now)).catch(() => this.touchedAt.delete(keyId));
  }

  private evictExpired(now: number): void {
    for (const [digest, entry] of this.remembered) {
      if (entry.until <= now) this.remembered.delete(digest);
    }
    if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
  }
}
