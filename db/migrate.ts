import path from "node:path";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import type { Database } from "../app/infra/db/db.server";

// Migrations are applied at start-up, by the process that will serve: on Fly
// the volume exists only on the app's own machine, never on a release one.
export async function migrateDatabase(database: Database, migrationsFolder = path.resolve("db/migrations")) {
  if (database.isLocalFile) {
    // WAL lets readers run beside the writer; the mode is stored in the file.
    await database.reader.execute("PRAGMA journal_mode = WAL");
  }
  await migrate(drizzle(database.reader), { migrationsFolder });
}
