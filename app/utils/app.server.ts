import { migrateDatabase } from "../../db/migrate";
import { seedIfEmpty } from "../../db/seed";
import { holdPolicy } from "~/models/reservation";
import { systemClock, type Clock } from "./clock.server";
import type { AppContext } from "./context.server";
import { createDatabase } from "./db.server";
import type { Env } from "./env.server";

export type RunningApp = {
  context: AppContext;
  // stops the background work and closes the database, after in-flight
  // writes have finished
  stop: () => Promise<void>;
};

// Everything a server process runs besides HTTP: the database (migrated and
// seeded before the first request) and the background work that lives as
// long as the process.
export async function startApp({
  env,
  clock = systemClock,
  log = console.log,
}: {
  env: Env;
  clock?: Clock;
  log?: (message: string) => void;
}): Promise<RunningApp> {
  const database = createDatabase({
    url: env.DATABASE_URL,
    authToken: env.DATABASE_AUTH_TOKEN,
    syncUrl: env.DATABASE_SYNC_URL,
  });
  await migrateDatabase(database);
  if (await seedIfEmpty(database, clock())) log("Seeded the demo catalogue");

  const context: AppContext = { database, clock, env, policy: holdPolicy(env.HOLD_TTL_SECONDS) };
  return {
    context,
    async stop() {
      await database.close();
    },
  };
}
