import type { Clock } from "~/infra/clock.server";
import type { Database } from "~/infra/db/db.server";
import type { Log } from "~/infra/log.server";
import { sweepAndLog } from "~/models/maintenance.server";

export type Sweeper = {
  // resolves once no sweep is running and none will start again
  stop: () => Promise<void>;
};

// The in-process sweeper: one sweep every `intervalSeconds`, the next
// scheduled only after the last has finished, so sweeps never pile up
// behind a slow database. A failed sweep is logged and the next one tries
// again. The timer is unref'd: it never keeps a finished process alive.
export function startSweeper({
  database,
  clock,
  log,
  intervalSeconds,
}: {
  database: Database;
  clock: Clock;
  log: Log;
  intervalSeconds: number;
}): Sweeper {
  if (intervalSeconds === 0) {
    log("sweeper off (SWEEP_INTERVAL_SECONDS=0)");
    return { stop: async () => {} };
  }
  let stopped = false;
  let running: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  const schedule = () => {
    timer = setTimeout(() => {
      running = sweepAndLog({ database, now: clock(), log, trigger: "timer" })
        .catch(() => {}) // already logged; the next tick retries
        .finally(() => {
          if (!stopped) schedule();
        });
    }, intervalSeconds * 1000);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
