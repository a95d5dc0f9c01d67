import type { Database } from "~/infra/db/db.server";
import { listLowStock, type LowStockRow } from "./low-stock.server";
import type { HoldPolicy } from "./reservation";

// The console's numbers for the last hour or the last day, cheap enough for
// every tick of a live dashboard: five indexed reads.
//
// A window is whole buckets, aligned to the clock so that a bar keeps its
// place from one tick to the next: 1h is the current minute and the 59
// before it (60 buckets of a minute), 24h the current quarter of an hour
// and the 95 before it (96 buckets of 15 minutes). It runs from `from`, the
// first bucket's start, to `now`; every bucket is listed, empty or not, and
// the totals are the sums of the series.
//
// - created: holds made in the window;
// - confirmed, released: holds paid for, or released (by the shopper or an
//   operator), in the window;
// - expired: holds whose time ran out in the window, at their expires_at,
//   whether or not a sweep has marked them yet;
// - ended: confirmed + released + expired;
// - conversionRate = confirmed / ended, expiryRate = expired / ended (null
//   when nothing ended): of the holds that ended in the window, the share
//   paid for and the share that ran out. Counted over the holds that ended
//   rather than those made, a rate stays between 0 and 1 and a hold still
//   running counts nowhere yet. The expiry-rate alert uses the 1h figure;
// - medianSecondsToPay: from creation to confirmation, over the holds
//   confirmed in the window (null when none were);
// - pending: the live holds at `now` and the units they hold;
// - lowStock: the rows low on stock now (low-stock.server.ts).

export const statsWindows = ["1h", "24h"] as const;
export type StatsWindow = (typeof statsWindows)[number];

const MINUTE_MS = 60_000;
const cuts: Record<StatsWindow, { bucketMs: number; buckets: number }> = {
  "1h": { bucketMs: MINUTE_MS, buckets: 60 },
  "24h": { bucketMs: 15 * MINUTE_MS, buckets: 96 },
};

type HoldCounts = { created: number; confirmed: number; released: number; expired: number };

// `start`: the bucket's first millisecond; it runs for `bucketMs`
type StatsBucket = HoldCounts & { start: number };

export type HoldStats = {
  window: StatsWindow;
  from: number;
  now: number;
  bucketMs: number;
  holds: HoldCounts & { ended: number };
  conversionRate: number | null;
  expiryRate: number | null;
  medianSecondsToPay: number | null;
  pending: { holds: number; units: number };
  lowStock: LowStockRow[];
  series: StatsBucket[];
};

type Outcome = Exclude<keyof HoldCounts, "created">;

export async function readHoldStats({
  database,
  window,
  policy,
  now,
}: {
  database: Database;
  window: StatsWindow;
  policy: HoldPolicy;
  now: number;
}): Promise<HoldStats> {
  const { bucketMs, buckets } = cuts[window];
  const from = (Math.floor(now / bucketMs) - (buckets - 1)) * bucketMs;
  // A hold ends by its expiry at the latest, and that is never more than
  // maxHoldMs after it was made: so the holds that can have ended in the
  // window are found through the index on created_at, never by a scan.
  // (numbers reach SQLite as floats: the bucket's CAST rounds it down)
  const args = { from, now, bucketMs, earliest: from - policy.maxHoldMs };
  const [created, ended, median, pending, lowStock] = await Promise.all([
    database.reader.execute({
      sql: `SELECT CAST((created_at - :from) / :bucketMs AS INTEGER) AS bucket, count(*) AS n
            FROM reservations WHERE created_at >= :from AND created_at <= :now
            GROUP BY bucket`,
      args,
    }),
    // how each hold ended and when: paid for or released at its last
    // change, expired at its expiry (a pending hold past it is expired)
    database.reader.execute({
      sql: `SELECT CAST((ended_at - :from) / :bucketMs AS INTEGER) AS bucket, outcome, count(*) AS n
            FROM (SELECT CASE status WHEN 'pending' THEN 'expired' ELSE status END AS outcome,
                         CASE WHEN status IN ('confirmed', 'released') THEN updated_at ELSE expires_at END AS ended_at
                  FROM reservations
                  WHERE created_at >= :earliest AND created_at <= :now
                    AND (status <> 'pending' OR expires_at <= :now))
            WHERE ended_at >= :from AND ended_at <= :now
            GROUP BY bucket, outcome`,
      args,
    }),
    // the middle one of the times to pay, or the mean of the middle two
    database.reader.execute({
      sql: `WITH paid AS (SELECT updated_at - created_at AS ms FROM reservations
                          WHERE status = 'confirmed' AND created_at >= :earliest
                            AND updated_at >= :from AND updated_at <= :now),
                 ranked AS (SELECT ms, row_number() OVER (ORDER BY ms) AS n, count(*) OVER () AS total FROM paid)
            SELECT avg(ms) AS median FROM ranked WHERE n IN ((total + 1) / 2, (total + 2) / 2)`,
      args,
    }),
    database.reader.execute({
      sql: `SELECT count(DISTINCT r.id) AS holds, coalesce(sum(ri.quantity), 0) AS units
            FROM reservations r CROSS JOIN reservation_items ri
            WHERE r.status = 'pending' AND r.expires_at > :now AND ri.reservation_id = r.id`,
      args: { now },
    }),
    listLowStock({ database, now }),
  ]);

  const series: StatsBucket[] = Array.from({ length: buckets }, (_, i) => ({
    start: from + i * bucketMs,
    created: 0,
    confirmed: 0,
    released: 0,
    expired: 0,
  }));
  for (const row of created.rows) {
    const bucket = series[Number(row.bucket)];
    if (bucket) bucket.created += Number(row.n);
  }
  for (const row of ended.rows) {
    const bucket = series[Number(row.bucket)];
    if (bucket) bucket[String(row.outcome) as Outcome] += Number(row.n);
  }
  const sum = (key: keyof HoldCounts) => series.reduce((total, bucket) => total + bucket[key], 0);
  const holds = {
    created: sum("created"),
    confirmed: sum("confirmed"),
    released: sum("released"),
    expired: sum("expired"),
  };
  const endedCount = holds.confirmed + holds.released + holds.expired;
  const medianMs = median.rows[0]?.median;
  return {
    window,
    from,
    now,
    bucketMs,
    holds: { ...holds, ended: endedCount },
    conversionRate: endedCount > 0 ? holds.confirmed / endedCount : null,
    expiryRate: endedCount > 0 ? holds.expired / endedCount : null,
    medianSecondsToPay: medianMs === null || medianMs === undefined ? null : Number(medianMs) / 1000,
    pending: { holds: Number(pending.rows[0]?.holds ?? 0), units: Number(pending.rows[0]?.units ?? 0) },
    lowStock,
    series,
  };
}
