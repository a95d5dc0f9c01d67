import { createHash, timingSafeEqual } from "node:crypto";
import { version } from "../../package.json";
import type { Database } from "../infra/db/db.server";

// What operators and schedulers call: the cron sweep and the health check.

// Operational answers must never be cached by Fly's proxy or anything else.
export function noStoreJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

// `Authorization: Bearer <secret>`, compared in constant time. Both sides are
// hashed first so the comparison also takes the same time whatever the
// length of the guess.
export function hasBearerSecret(request: Request, secret: string): boolean {
  const header = request.headers.get("Authorization") ?? "";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  const given = createHash("sha256")
    .update(match?.[1] ?? "")
    .digest();
  const expected = createHash("sha256").update(secret).digest();
  return match !== null && timingSafeEqual(given, expected);
}

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
