import type { LiveHub } from "~/models/live.server";
import type { StreamSlots } from "./stream-slots.server";
import type { FairUse, HoldPolicy } from "~/models/reservation";
import type { Client } from "./client.server";
import type { Clock } from "./clock.server";
import type { Database } from "./db.server";
import type { Env } from "./env.server";
import type { Log } from "./log.server";
import type { RateLimiter } from "./rate-limit.server";

// What the server hands every loader and action: one database (and so one
// writer) per process, the clock, the configuration and the log.
export type AppContext = {
  database: Database;
  clock: Clock;
  env: Env;
  log: Log;
  // the process's events tailer, feeding the live pages
  live: LiveHub;
  policy: HoldPolicy;
  fairUse: FairUse;
  // RATE_LIMIT_PER_MINUTE, for every route that writes
  writeLimiter: RateLimiter;
  // open live streams, by client address
  streams: StreamSlots;
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
