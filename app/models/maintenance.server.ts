import type { Database } from "~/infra/db/db.server";
import type { Log } from "~/infra/log.server";
import { pruneIdleCarts } from "./carts.server";
import { expireDue } from "./expiry.server";
import { KEY_LIFETIME_MS } from "./idempotency.server";

// Events are kept: they are the audit trail (every hold, sale and release,
// with its lines, in order), a replay of them must arrive at the stock
// counts, and live pages resume from their ids. An event is a few hundred
// bytes, so even a busy shop grows the file by megabytes a month, not
// gigabytes; an operator who wants less archives and deletes old ones by
// hand (README, "Operating it"). Nothing here ever deletes them.

export type SweepResult = { expired: number; idempotencyKeysPruned: number; cartsPruned: number };

// The sweep behind all three triggers (the server's timer, `npm run sweep`,
// /api/cron/expire-reservations): cleanup only, never needed for
// correctness, and safe to run from any number of places at once.
export async function sweep({ database, now }: { database: Database; now: number }): Promise<SweepResult> {
  const expired = await expireDue({ database, now });
  const idempotencyKeysPruned = await pruneIdempotencyKeys({ database, now });
  const cartsPruned = await pruneIdleCarts({ database, now });
  return { expired, idempotencyKeysPruned, cartsPruned };
}

// Deletes the keys older than the window, in bounded batches so one sweep
// after a long pause never holds the write lock for long. The age test is
// the guard: a key still inside the window is never touched, and two
// sweeps at once simply find less to delete.
async function pruneIdempotencyKeys({
  database,
  now,
  batchSize = 1000,
}: {
  database: Database;
  now: number;
  batchSize?: number;
}): Promise<number> {
  let pruned = 0;
  for (;;) {
    const { prune } = await database.write({
      prune: {
        sql: `DELETE FROM idempotency_keys
              WHERE rowid IN (SELECT rowid FROM idempotency_keys
                              WHERE created_at < :cutoff LIMIT :batchSize)`,
        args: { cutoff: now - KEY_LIFETIME_MS, batchSize },
      },
    });
    const count = prune.rowsAffected;
    pruned += count;
    if (count < batchSize) return pruned;
  }
}

// Runs one sweep and logs one line for it, whoever asked: the timer, the
// cron endpoint or `npm run sweep`.
export async function sweepAndLog({
  database,
  now,
  log,
  trigger,
}: {
  database: Database;
  now: number;
  log: Log;
  trigger: "timer" | "http" | "command";
}): Promise<SweepResult> {
  const started = performance.now();
  try {
    const result = await sweep({ database, now });
    log("sweep", { trigger, ...result, ms: Math.round(performance.now() - started) });
    return result;
  } catch (error) {
    log("sweep failed", {
      level: "error",
      trigger,
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}
