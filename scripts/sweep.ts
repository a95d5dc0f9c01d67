// `npm run sweep`: one sweep, then exit — for a Fly scheduled machine or
// any cron. Bundled to build/sweep.js, so it runs where only node and the
// production dependencies exist. Which database it sweeps follows from the
// environment (parseSweepTarget):
//   - DATABASE_URL=libsql://… (or an embedded replica's DATABASE_SYNC_URL):
//     the remote primary, directly;
//   - an embedded file and SWEEP_URL: the app that owns the file, over HTTP
//     with Authorization: Bearer $CRON_SECRET;
//   - an embedded file and no SWEEP_URL: the local file.
// It prints how many holds it expired; any failure exits non-zero.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createDatabase } from "../app/infra/db/db.server";
import { EnvError, parseSweepTarget, type SweepTarget } from "../app/infra/env.server";
import { createLog } from "../app/infra/log.server";
import { sweep, type SweepResult } from "../app/models/maintenance.server";

const HTTP_TIMEOUT_MS = 30_000;

async function sweepDatabase(target: Extract<SweepTarget, { kind: "database" }>): Promise<SweepResult> {
  if (target.mode === "embedded") {
    // Opening a missing file would create an empty database and "succeed";
    // a wrong path must fail loudly instead.
    const file = target.url.startsWith("file://") ? fileURLToPath(target.url) : target.url.slice("file:".length);
    if (!existsSync(file)) throw new Error(`No database at ${file} (DATABASE_URL=${target.url})`);
  }
  const database = createDatabase({ url: target.url, authToken: target.authToken });
  try {
    return await sweep({ database, now: Date.now() });
  } finally {
    await database.close();
  }
}

async function sweepOverHttp(target: Extract<SweepTarget, { kind: "http" }>): Promise<{ expired: number }> {
  const response = await fetch(target.url, {
    method: "POST",
    headers: { Authorization: `Bearer ${target.cronSecret}` },
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target.url} answered ${response.status}: ${text.slice(0, 500)}`);
  const body: unknown = JSON.parse(text);
  if (typeof body !== "object" || body === null || !("expired" in body) || typeof body.expired !== "number") {
    throw new Error(`${target.url} answered without a count of expired holds: ${text.slice(0, 500)}`);
  }
  return { expired: body.expired };
}

const json = process.env.NODE_ENV === "production";
const log = createLog({ json });
try {
  const target = parseSweepTarget(process.env);
  const where = target.kind === "http" ? target.url : `the ${target.mode} database`;
  const result = target.kind === "http" ? await sweepOverHttp(target) : await sweepDatabase(target);
  const { expired } = result;
  log(`Expired ${expired} hold${expired === 1 ? "" : "s"} via ${where}`, { ...result, via: target.kind });
} catch (error) {
  const fail = createLog({ json, write: (line) => process.stderr.write(`${line}\n`) });
  fail(`Sweep failed: ${error instanceof Error ? error.message : String(error)}`, {
    level: "error",
    ...(error instanceof EnvError ? { configuration: true } : {}),
  });
  process.exitCode = 1;
}
