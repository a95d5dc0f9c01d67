import type { Database } from "~/infra/db/db.server";
import type { ConsistencyReport } from "~/models/consistency.server";
import { version } from "../../package.json";

// Whether this process can serve: what Fly's health check asks.

type Health =
  | { status: "ok"; version: string; database: { reachable: true; ms: number } }
  | { status: "unavailable"; version: string; database: { reachable: false; error: string } };

// A real query on a real table (not `SELECT 1`, which a client can answer
// without the schema), bounded in time: a remote database that stopped
// answering must turn the check red, not hang it past Fly's check timeout.
async function checkHealth({
  database,
  timeoutMs = 2000,
}: {
  database: Database;
  timeoutMs?: number;
}): Promise<Health> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      database.reader.execute("SELECT count(*) FROM warehouses"),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: "ok", version, database: { reachable: true, ms: Math.round(performance.now() - started) } };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: "unavailable", version, database: { reachable: false, error: message } };
  } finally {
    clearTimeout(timer);
  }
}

export type HealthCheck = { current: () => Promise<Health> };

// The check as the health route answers it: a database check at most
// `maxAgeMs` old, one at a time however many ask at once, so a load
// balancer polling hard (or a benchmark) costs one query a second, not one
// a request. A writer that stopped turns it red at once, cached or not.
// The age is the process's own monotonic time, not the shop's clock: a
// test's frozen clock must not freeze the check.
export function createHealthCheck({
  database,
  maxAgeMs = 1000,
  elapsedMs = () => performance.now(),
}: {
  database: Database;
  maxAgeMs?: number;
  elapsedMs?: () => number;
}): HealthCheck {
  let last: { health: Health; at: number } | undefined;
  let running: Promise<Health> | undefined;
  return {
    current() {
      // a process that can no longer write is not healthy, whatever reads say
      const writerFailure = database.writerFailure();
      if (writerFailure) {
        return Promise.resolve({
          status: "unavailable",
          version,
          database: { reachable: false, error: writerFailure.message },
        });
      }
      const now = elapsedMs();
      if (last && now - last.at < maxAgeMs) return Promise.resolve(last.health);
      running ??= checkHealth({ database }).then((health) => {
        last = { health, at: now };
        running = undefined;
        return health;
      });
      return running;
    },
  };
}

type Degraded = Omit<Extract<Health, { status: "ok" }>, "status"> & {
  status: "degraded";
  consistency: { checkedAt: string; violations: number };
};

type HealthReport = { serving: true; body: Health | Degraded } | { serving: false; body: Health };

// What Fly's HTTP check is told: serving while the database answers, not
// when it does not. Books out of step (the newest consistency check) are
// "degraded" but still serving: a restart fixes nothing.
export async function healthReport({
  check,
  consistency,
}: {
  check: HealthCheck;
  consistency: ConsistencyReport | null;
}): Promise<HealthReport> {
  const health = await check.current();
  if (health.status !== "ok") return { serving: false, body: health };
  if (!consistency || consistency.violations.length === 0) return { serving: true, body: health };
  return {
    serving: true,
    body: {
      ...health,
      status: "degraded",
      // how many rows, not which: the details are for operators
      // (GET /api/admin/consistency)
      consistency: {
        checkedAt: new Date(consistency.checkedAt).toISOString(),
        violations: consistency.violations.length,
      },
    },
  };
}
