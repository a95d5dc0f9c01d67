import type { Client } from "~/http/client.server";
import type { RateLimiter } from "~/http/rate-limit.server";
import type { Clock } from "~/infra/clock.server";
import type { Database } from "~/infra/db/db.server";
import type { Env } from "~/infra/env.server";
import type { Log } from "~/infra/log.server";
import type { LiveHub } from "~/live/live.server";
import type { StreamSlots } from "~/live/stream-slots.server";
import type { HealthCheck } from "~/models/health.server";
import type { FairUse, HoldPolicy } from "~/models/reservation";
import type { ReserveObserver } from "~/models/reservation.server";
import type { ConsistencyChecker } from "./consistency-checker.server";

// What the server hands every loader and action: one database (and so one
// writer) per process, the clock, the configuration and the log.
export type AppContext = {
  database: Database;
  clock: Clock;
  env: Env;
  log: Log;
  // the process's events tailer, feeding the live pages
  live: LiveHub;
  // the database check /api/health answers from, at most a second old
  health: HealthCheck;
  policy: HoldPolicy;
  fairUse: FairUse;
  // RATE_LIMIT_PER_MINUTE, for every route that writes
  writeLimiter: RateLimiter;
  // wrong ADMIN_TOKENs, by client address (see operator.server.ts)
  wrongTokenLimiter: RateLimiter;
  // open live streams, by client address
  streams: StreamSlots;
  // the books, checked
  consistency: ConsistencyChecker;
  // every hold request's outcome: each place that calls reserve() passes
  // `report` as its observer, and the metrics observe (refusals leave no
  // event in the outbox to count them by)
  reserveOutcomes: { report: ReserveObserver; observe: (listener: ReserveObserver) => () => void };
};

declare module "@remix-run/node" {
  interface AppLoadContext {
    app: AppContext;
    // who sent the request (its address and protocol; see client.server.ts)
    client: Client;
    // this response's Content-Security-Policy nonce, for the page's scripts
    cspNonce: string;
  }
}
