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
  /** The stored hash the secret was checked against: unchanged, it needs no new check. */
  readonly secretHash: string | null;
  readonly verifiedAt: number;
  readonly until: number;
}

/**
 * Turns a presented key into the principal it names. The secret is checked against its scrypt
 * hash once; the outcome is remembered by a digest of the key (never the key itself) for a
 * few seconds, so a busy client costs one hash lookup per request, not one scrypt run.
 *
 * A remembered key in use is checked again in the background once half its time has passed:
 * the store is read for revocation, and scrypt runs again only if the stored hash changed.
 * So a client that keeps calling never waits for the store or for scrypt, and a revocation
 * elsewhere still takes effect within VERIFIED_KEY_TTL_MS.
 */
@Injectable()
export class KeyAuthenticator {
  private readonly remembered = new Map<string, Remembered>();
  private readonly inFlight = new Map<string, Promise<Principal | null>>();
  private readonly touchedAt = new Map<string, number>();
  /** Keys revoked through this process: a check that read the store before that is void. */
  private readonly revokedHere = new Set<string>();
  /** Secrets checked against their scrypt hash so far (the costly part of a check). */
  secretChecks = 0;

  constructor(private readonly store: ApiKeyStore) {}

  async authenticate(presented: string, now = Date.now()): Promise<Principal | null> {
    const digest = keyDigest(presented);
    const known = this.remembered.get(digest);
    if (known && known.until > now) {
      if (known.principal) {
        this.touch(known.principal.keyId, now);
        if (now - known.verifiedAt >= VERIFIED_KEY_TTL_MS / 2 && !this.inFlight.has(digest)) {
          // A failed check leaves the key to expire; the next request then checks it itself.
          this.check(presented, digest, now, known).catch(() => undefined);
        }
      }
      return known.principal;
    }
    return this.check(presented, digest, now, known);
  }

  /** Whether the key is one verified moments ago (so no hashing is needed to accept it). */
  trusts(presented: string, now = Date.now()): boolean {
    const known = this.remembered.get(keyDigest(presented));
    return known !== undefined && known.principal !== null && known.until > now;
  }

  /** Stops trusting every remembered use of the key (after it is revoked here). */
  forget(keyId: string): void {
    this.revokedHere.add(keyId);
    for (const [digest, entry] of this.remembered) {
      if (entry.principal?.keyId === keyId) this.remembered.delete(digest);
    }
  }

  private check(
    presented: string,
    digest: string,
    now: number,
    known: Remembered | undefined,
  ): Promise<Principal | null> {
    let pending = this.inFlight.get(digest);
    if (!pending) {
      pending = this.verify(presented, digest, now, known).finally(() =>
        this.inFlight.delete(digest),
      );
      this.inFlight.set(digest, pending);
    }
    return pending;
  }

  private async verify(
    presented: string,
    digest: string,
    now: number,
    known: Remembered | undefined,
  ): Promise<Principal | null> {
    const parsed = parseApiKey(presented);
    const stored = parsed ? await this.store.find(parsed.id) : null;
    // Unchanged since a scrypt check of this very key: the same answer without another run.
    const valid =
      parsed !== null &&
      stored !== null &&
      stored.revokedAt === null &&
      ((known !== undefined &&
        known.principal !== null &&
        known.secretHash === stored.secretHash) ||
        (await this.verifySecret(parsed.secret, stored.secretHash)));
    const principal: Principal | null =
      valid && stored && !this.revokedHere.has(stored.id)
        ? { keyId: stored.id, actor: stored.name, role: stored.role }
        : null;
    if (this.remembered.size >= MAX_REMEMBERED) this.evictExpired(now);
    this.remembered.set(digest, {
      principal,
      secretHash: principal && stored ? stored.secretHash : null,
      verifiedAt: now,
      until: now + (principal ? VERIFIED_KEY_TTL_MS : REFUSED_KEY_TTL_MS),
    });
    if (principal) this.touch(principal.keyId, now);
    return principal;
  }

  private verifySecret(secret: string, hash: string): Promise<boolean> {
    this.secretChecks += 1;
    return verifySecret(secret, hash);
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
