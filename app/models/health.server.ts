import type { Database } from "~/infra/db/db.server";
import { version } from "../../package.json";

// Whether this process can serve: what Fly's health check asks.

export type Health =
  | { status: "ok"; version: string; database: { reachable: true; ms: number } }
  | { status: "unavailable"; version: string; database: { reachable: false; error: string } };

// A real query on a real table (not `SELECT 1`, which a client can answer
// without the schema), bounded in time: a remote database that stopped
// answering must turn the check red, not hang it past Fly's check timeout.
export async function checkHealth({
  database,
  timeoutMs = 2000,
}: {
  database: Database;
  timeoutMs?: number;
}): Promise<Health> {
  // a process that can no longer write is not healthy, whatever reads say
  const writerFailure = database.writerFailure();
  if (writerFailure) {
    return { status: "unavailable", version, database: { reachable: false, error: writerFailure.message } };
  }
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
