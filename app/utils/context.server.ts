import type { HoldPolicy } from "~/models/reservation";
import type { Clock } from "./clock.server";
import type { Database } from "./db.server";
import type { Env } from "./env.server";

// What the server hands every loader and action: one database (and so one
// writer) per process, the clock and the configuration.
export type AppContext = {
  database: Database;
  clock: Clock;
  env: Env;
  policy: HoldPolicy;
};

declare module "@remix-run/node" {
  interface AppLoadContext {
    app: AppContext;
  }
}
