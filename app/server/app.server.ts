import { WRONG_TOKENS_PER_MINUTE } from "~/http/operator.server";
import { createRateLimiter } from "~/http/rate-limit.server";
import { systemClock, type Clock } from "~/infra/clock.server";
import { createDatabase } from "~/infra/db/db.server";
import type { Env } from "~/infra/env.server";
import { createLog, type Log } from "~/infra/log.server";
import { startLiveHub } from "~/live/live.server";
import { createStreamSlots } from "~/live/stream-slots.server";
import { createHealthCheck } from "~/models/health.server";
import { holdPolicy } from "~/models/reservation";
import type { ReserveObserver } from "~/models/reservation.server";
import { migrateDatabase } from "../../db/migrate";
import { seedIfEmpty } from "../../db/seed";
import { createAlerts } from "./alerts.server";
import { startConsistencyChecks } from "./consistency-checker.server";
import type { AppContext } from "./context.server";
import { startShopAlerts } from "./shop-alerts.server";
import { startSweeper } from "./sweeper.server";

export type RunningApp = {
  context: AppContext;
  // stops the background work (the sweeper, live streams), waits for
  // `requestsDone` (the HTTP server's in-flight requests, so none of them
  // finds the database closed), then closes the database once every queued
  // write has committed
  stop: (options?: { requestsDone?: Promise<void> }) => Promise<void>;
};

// Everything a server process runs besides HTTP: the database (migrated and
// seeded before the first request) and the background work that lives as
// long as the process.
export async function startApp({
  env,
  clock = systemClock,
  log = createLog({ json: env.NODE_ENV === "production" }),
  onFatal = () => {},
  writerHeapMb,
}: {
  env: Env;
  clock?: Clock;
  log?: Log;
  // the process can no longer do its job (its writer thread died): the
  // server exits so that the platform starts it again
  onFatal?: (error: Error) => void;
  writerHeapMb?: number;
}): Promise<RunningApp> {
  const database = createDatabase({
    url: env.DATABASE_URL,
    authToken: env.DATABASE_AUTH_TOKEN,
    syncUrl: env.DATABASE_SYNC_URL,
    writerHeapMb,
  });
  void database.writerCrashed.then((error) => {
    log("the database writer stopped; this process can no longer write", { level: "error", error: error.message });
    onFatal(error);
  });
  await migrateDatabase(database);
  if (await seedIfEmpty(database, clock())) log("Seeded the demo catalogue");

  const live = await startLiveHub({ database, clock, log });
  const alerts = createAlerts({ url: env.ALERT_WEBHOOK_URL, log });
  const reserveObservers = new Set<ReserveObserver>();
  const context: AppContext = {
    database,
    clock,
    env,
    log,
    live,
    health: createHealthCheck({ database }),
    policy: holdPolicy(env.HOLD_TTL_SECONDS),
    fairUse: {
      holdsPerClient: env.MAX_PENDING_HOLDS_PER_CLIENT,
      unitsPerClient: env.MAX_PENDING_UNITS_PER_CLIENT,
      unitsPerAddress: env.MAX_PENDING_UNITS_PER_ADDRESS,
      holdsPerCustomer: env.MAX_ACTIVE_HOLDS_PER_CUSTOMER,
    },
    writeLimiter: createRateLimiter(env.RATE_LIMIT_PER_MINUTE),
    wrongTokenLimiter: createRateLimiter(WRONG_TOKENS_PER_MINUTE),
    streams: createStreamSlots({ max: env.MAX_LIVE_STREAMS, perClient: env.MAX_LIVE_STREAMS_PER_CLIENT }),
    consistency: startConsistencyChecks({
      database,
      clock,
      log,
      intervalSeconds: env.CONSISTENCY_CHECK_SECONDS,
      alerts,
    }),
    reserveOutcomes: {
      report: (outcome) => reserveObservers.forEach((observe) => observe(outcome)),
      observe(listener) {
        reserveObservers.add(listener);
        return () => reserveObservers.delete(listener);
      },
    },
  };
  const sweeper = startSweeper({ database, clock, log, intervalSeconds: env.SWEEP_INTERVAL_SECONDS });
  // low stock and the expiry rate are only worth looking at for a webhook
  const shopAlerts = env.ALERT_WEBHOOK_URL
    ? startShopAlerts({ database, clock, log, live, alerts, policy: context.policy, expiryRate: env.ALERT_EXPIRY_RATE })
    : null;
  return {
    context,
    async stop({ requestsDone } = {}) {
      // 1. background work and live streams end first: an open stream is a
      //    request that would never finish by itself
      await Promise.all([sweeper.stop(), live.stop(), context.consistency.stop(), shopAlerts?.stop()]);
      // 2. the requests already accepted finish, their writes queued
      await requestsDone;
      // 3. the writer commits its queue, then the database closes
      await database.close();
    },
  };
}
