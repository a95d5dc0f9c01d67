import type { Clock } from "~/infra/clock.server";
import type { Database } from "~/infra/db/db.server";
import type { Log } from "~/infra/log.server";
import { checkConsistency, type ConsistencyReport } from "~/models/consistency.server";
import type { Alerts } from "./alerts.server";

export type ConsistencyChecker = {
  // the newest finished check, or null before the first
  last: () => ConsistencyReport | null;
  // checks now (an operator asked), and remembers the result
  run: () => Promise<ConsistencyReport>;
  stop: () => Promise<void>;
};

// The books, checked every `intervalSeconds` (0: only when asked). A
// violation is logged as an error naming the row and both numbers each
// time a check finds it; /api/health then answers "degraded".
export function startConsistencyChecks({
  database,
  clock,
  log,
  intervalSeconds,
  alerts,
}: {
  database: Database;
  clock: Clock;
  log: Log;
  intervalSeconds: number;
  alerts: Alerts;
}): ConsistencyChecker {
  let last: ConsistencyReport | null = null;
  let running: Promise<ConsistencyReport> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  async function check(): Promise<ConsistencyReport> {
    const report = await checkConsistency({ database, now: clock() });
    for (const v of report.violations) {
      log("consistency violation", {
        level: "error",
        productId: v.productId,
        warehouseId: v.warehouseId,
        problem: v.problem,
        row: JSON.stringify(v.row),
        expected: JSON.stringify(v.expected),
      });
    }
    last = report;
    alertOn(report);
    return report;
  }

  // one alert per row out of step, until the row is right again
  function alertOn(report: ConsistencyReport) {
    const now = new Set<string>();
    for (const v of report.violations) {
      const condition = `consistency:${v.productId}:${v.warehouseId}`;
      now.add(condition);
      alerts.raise(
        condition,
        `Holdfast: ${v.productId} at ${v.warehouseId} is out of step (${v.problem}): ` +
          `the row has ${JSON.stringify(v.row)}, expected ${JSON.stringify(v.expected)}`,
        { productId: v.productId, warehouseId: v.warehouseId, problem: v.problem, row: v.row, expected: v.expected },
      );
    }
    for (const condition of alerts.active()) {
      if (condition.startsWith("consistency:") && !now.has(condition)) alerts.clear(condition);
    }
  }

  // one check at a time: a request during a check shares its result
  function run() {
    running ??= check().finally(() => (running = null));
    return running;
  }

  function schedule(delayMs = intervalSeconds * 1000) {
    if (stopped || intervalSeconds === 0) return;
    timer = setTimeout(() => {
      run()
        .catch((error: unknown) => log("consistency check failed", { level: "error", error: String(error) }))
        .finally(schedule);
    }, delayMs);
    timer.unref();
  }
  // the first check soon after start, so health knows early
  schedule(Math.min(5_000, intervalSeconds * 1000));

  return {
    last: () => last,
    run,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => {});
    },
  };
}
