import type { LiveHub } from "~/models/live.server";
import type { HoldPolicy } from "~/models/reservation";
import type { Clock } from "./clock.server";
import type { Database } from "./db.server";
import type { Env } from "./env.server";
import type { Log } from "./log.server";

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
};

declare module "@remix-run/node" {
  interface AppLoadContext {
    app: AppContext;
    // the caller's address: Fly's proxy puts the real one in Fly-Client-IP
    clientAddress: string;
  }
}
