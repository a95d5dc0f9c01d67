// Holds one client address may create per minute: a token bucket per
// address, in this process's memory. With several machines each enforces
// its own bucket, so the effective limit is per machine; that is enough to
// stop one client draining a drop, which is what it is for.

type Bucket = { tokens: number; updatedAt: number };

export type RateLimiter = {
  // null when allowed; otherwise the seconds until one more is allowed
  take: (address: string, now: number) => number | null;
};

export function createRateLimiter(perMinute: number): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const refillPerMs = perMinute / 60_000;
  let lastPrune = 0;

  function prune(now: number) {
    // a bucket untouched for a minute is full again: forget it
    for (const [address, bucket] of buckets) {
      if (now - bucket.updatedAt >= 60_000) buckets.delete(address);
    }
    lastPrune = now;
  }

  return {
    take(address, now) {
      if (perMinute === 0) return null;
      if (now - lastPrune >= 60_000) prune(now);
      const bucket = buckets.get(address) ?? { tokens: perMinute, updatedAt: now };
      const tokens = Math.min(perMinute, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
      if (tokens < 1) {
        buckets.set(address, { tokens, updatedAt: now });
        return Math.max(1, Math.ceil((1 - tokens) / refillPerMs / 1000));
      }
      buckets.set(address, { tokens: tokens - 1, updatedAt: now });
      return null;
    },
  };
}

const limiters = new Map<number, RateLimiter>();

// The process's limiter for holds (one per configured rate).
export function holdLimiter(perMinute: number): RateLimiter {
  let limiter = limiters.get(perMinute);
  if (!limiter) {
    limiter = createRateLimiter(perMinute);
    limiters.set(perMinute, limiter);
  }
  return limiter;
}
