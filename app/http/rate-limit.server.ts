import type { AppLoadContext } from "@remix-run/node";

// Writes one client may make per minute: a token bucket per address (or
// per integrator key, for a caller that sends one), in this process's
// memory. With several machines each enforces its own buckets, so the
// effective limit is per machine; that is enough to stop one client
// hammering the shop, which is what it is for.
//
// The buckets are bounded: at most `maxKeys` clients are remembered, the
// least recently seen forgotten first (a forgotten bucket is a full one,
// which is what an address unseen for a while has anyway). Keys are
// addresses the server itself determined (client.server.ts) or the ids of
// stored integrator keys, never header text, so each is a few dozen bytes.

type Bucket = { tokens: number; updatedAt: number };

export type RateLimiter = {
  // null when allowed; otherwise the seconds until one more is allowed
  take: (address: string, now: number) => number | null;
  // like take, without taking: null when one more would be allowed
  waitFor: (address: string, now: number) => number | null;
  size: () => number;
};

const DEFAULT_MAX_KEYS = 50_000;

export function createRateLimiter(perMinute: number, { maxKeys = DEFAULT_MAX_KEYS } = {}): RateLimiter {
  // a Map iterates in insertion order: re-inserting on every use keeps the
  // least recently seen address first
  const buckets = new Map<string, Bucket>();
  const refillPerMs = perMinute / 60_000;

  return {
    take(address, now) {
      if (perMinute === 0) return null;
      const bucket = buckets.get(address);
      const tokens = bucket ? Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * refillPerMs) : perMinute;
      buckets.delete(address);
      if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value!);
      if (tokens < 1) {
        buckets.set(address, { tokens, updatedAt: now });
        return Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000));
      }
      buckets.set(address, { tokens: tokens - 1, updatedAt: now });
      return null;
    },
    waitFor(address, now) {
      const bucket = buckets.get(address);
      if (perMinute === 0 || !bucket) return null;
      const tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
      return tokens < 1 ? Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000)) : null;
    },
    size: () => buckets.size,
  };
}

// Takes one write from the caller's allowance: null when it may go ahead,
// otherwise the seconds to wait. Every route that writes calls it once,
// after anything that would answer without writing (a replayed
// Idempotency-Key costs nothing). A caller with an integrator key counts
// against the key's own allowance: integrators' servers often share an
// address (a cloud's NAT), and one must not use up another's.
export function takeWrite({ app, client }: AppLoadContext, { apiKeyId }: { apiKeyId?: string } = {}): number | null {
  return app.writeLimiter.take(apiKeyId === undefined ? client.address : `key:${apiKeyId}`, app.clock());
}
