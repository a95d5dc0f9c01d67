import { randomBytes } from "node:crypto";
import { z } from "zod";

// Every setting the server reads, checked once at start: a wrong value stops
// start-up with a message that names the variable.

// An empty variable (KEY= in a .env file or fly.toml) means "not set", so it
// takes the default; without this `z.coerce.number()` would read "" as 0 and
// SWEEP_INTERVAL_SECONDS= would silently turn the sweeper off.
const unsetIfEmpty = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema);
const secret = unsetIfEmpty(z.string().min(16, "must be at least 16 characters").optional());
const optionalText = unsetIfEmpty(z.string().optional());
const int = (fallback: number, { min, max }: { min: number; max: number }) =>
  unsetIfEmpty(
    z.coerce
      .number({ invalid_type_error: "must be a whole number" })
      .int("must be a whole number")
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  );

// "true"/"1" or "false"/"0": a flag set in fly.toml or a shell
const flag = (fallback: boolean) =>
  unsetIfEmpty(
    z
      .enum(["true", "false", "1", "0"], { errorMap: () => ({ message: "must be true or false" }) })
      .default(fallback ? "true" : "false")
      .transform((v) => v === "true" || v === "1"),
  );

const remoteUrl = /^(libsql|https?|wss?):\/\//;

// The database settings, shared by the server and the one-shot sweep.
const databaseFields = {
  DATABASE_URL: unsetIfEmpty(
    z
      .string()
      .default("file:data/holdfast.db")
      .refine(
        (u) => u.startsWith("file:") || remoteUrl.test(u),
        "must start with file:, libsql://, http(s):// or ws(s)://",
      ),
  ),
  DATABASE_AUTH_TOKEN: optionalText,
  DATABASE_SYNC_URL: optionalText.refine(
    (u) => u === undefined || remoteUrl.test(u),
    "must be the libsql:// (or http(s)://) URL of the primary",
  ),
};

const httpUrl = optionalText.refine(
  (u) => u === undefined || (URL.canParse(u) && /^https?:$/.test(new URL(u).protocol)),
  "must be an http:// or https:// URL",
);

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: int(3000, { min: 0, max: 65535 }),
  ...databaseFields,
  HOLD_TTL_SECONDS: int(600, { min: 1, max: 24 * 3600 }),
  SESSION_SECRET: secret,
  CRON_SECRET: secret,
  // operators: the Bearer token of the admin API
  ADMIN_TOKEN: secret,
  // writes (holds, payments, cancels, extensions) one client address may
  // make per minute; 0 turns the limit off
  RATE_LIMIT_PER_MINUTE: int(120, { min: 0, max: 1_000_000 }),
  // only behind a proxy that sets them (Fly's): Fly-Client-IP is the
  // client's address and X-Forwarded-Proto its protocol; anywhere else
  // anyone could send them, so the socket's own are used
  TRUST_PROXY: flag(false),
  // fair use for clients without an account, decided inside the write that
  // makes the hold; 0 turns a cap off
  MAX_PENDING_HOLDS_PER_CLIENT: int(10, { min: 0, max: 1_000_000 }),
  MAX_PENDING_UNITS_PER_CLIENT: int(200, { min: 0, max: 1_000_000 }),
  // every session behind one address together (a client can start new
  // sessions; it cannot start new addresses)
  MAX_PENDING_UNITS_PER_ADDRESS: int(1000, { min: 0, max: 1_000_000 }),
  // pending holds one customer (a shop session, or an integrator key's
  // customer) may have at once; 0 turns it off
  MAX_ACTIVE_HOLDS_PER_CUSTOMER: int(5, { min: 0, max: 1_000_000 }),
  // open live streams (Server-Sent Events): the whole process, and one
  // client address
  MAX_LIVE_STREAMS: int(2000, { min: 1, max: 1_000_000 }),
  MAX_LIVE_STREAMS_PER_CLIENT: int(16, { min: 1, max: 1_000_000 }),
  // 0 turns the in-process sweeper off (expiry stays exact without it)
  SWEEP_INTERVAL_SECONDS: int(15, { min: 0, max: 24 * 3600 }),
  SWEEP_URL: httpUrl,
  // where alerts are POSTed (a Slack-style incoming webhook, say)
  ALERT_WEBHOOK_URL: httpUrl,
  // an alert when more than this share (0 to 1) of the holds that ended in
  // the last hour expired unpaid, once at least 20 ended; 0 turns it off
  ALERT_EXPIRY_RATE: unsetIfEmpty(
    z.coerce
      .number({ invalid_type_error: "must be a number from 0 to 1" })
      .min(0, "must be at least 0")
      .max(1, "must be at most 1 (a share: 0.5 is half)")
      .default(0.5),
  ),
  // request lines logged a second; past it the rest are counted (5xx
  // answers and abandoned requests have an allowance of their own; 0:
  // every request)
  LOG_REQUESTS_PER_SECOND: int(100, { min: 0, max: 1_000_000 }),
  // Prometheus metrics at /metrics on a port of their own (0: none)
  METRICS_PORT: int(9091, { min: 0, max: 65535 }),
  // how often the books are checked (0: only when an operator asks)
  CONSISTENCY_CHECK_SECONDS: int(300, { min: 0, max: 24 * 3600 }),
});

export type Env = Omit<z.infer<typeof envSchema>, "SESSION_SECRET" | "CRON_SECRET" | "ADMIN_TOKEN"> & {
  SESSION_SECRET: string;
  CRON_SECRET: string;
  ADMIN_TOKEN: string;
};

export class EnvError extends Error {}

const secrets = ["SESSION_SECRET", "CRON_SECRET", "ADMIN_TOKEN"] as const;

type DatabaseSettings = {
  DATABASE_URL: string;
  DATABASE_AUTH_TOKEN?: string | undefined;
  DATABASE_SYNC_URL?: string | undefined;
};

// The three ways to run: an embedded file on this machine's disk; a remote
// libSQL server (sqld or Turso) that every machine writes to; or an embedded
// replica, a local file synced from that primary (reads local, writes go to
// the primary).
export type DatabaseMode = "embedded" | "remote" | "replica";

export function databaseMode(env: DatabaseSettings): DatabaseMode {
  if (!env.DATABASE_URL.startsWith("file:")) return "remote";
  return env.DATABASE_SYNC_URL ? "replica" : "embedded";
}

function parseWith<T extends z.ZodTypeAny>(schema: T, source: Record<string, string | undefined>): z.infer<T> {
  const result = schema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new EnvError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}

// Combinations that each variable accepts alone but that cannot work together.
function checkDatabase(env: DatabaseSettings) {
  const problem = (message: string) => new EnvError(`Invalid configuration:\n  ${message}`);
  if (env.DATABASE_SYNC_URL && !env.DATABASE_URL.startsWith("file:")) {
    throw problem("DATABASE_URL must be a file: path when DATABASE_SYNC_URL is set (the embedded replica)");
  }
  if (env.DATABASE_AUTH_TOKEN && databaseMode(env) === "embedded") {
    throw problem(
      "DATABASE_AUTH_TOKEN is set but DATABASE_URL is a local file without DATABASE_SYNC_URL, so it would be ignored",
    );
  }
  // Turso refuses every unauthenticated request; say so at start rather
  // than on the first query.
  const primary = databaseMode(env) === "remote" ? env.DATABASE_URL : env.DATABASE_SYNC_URL;
  if (primary && !env.DATABASE_AUTH_TOKEN && /\.turso\.io(:\d+)?(\/|$)/.test(primary)) {
    throw problem("DATABASE_AUTH_TOKEN must be set for a Turso database");
  }
}

// Production refuses to start without its secrets; development makes
// throwaway ones and says so, so `npm start` works on a fresh clone.
export function parseEnv(source: Record<string, string | undefined>, log: (message: string) => void = () => {}): Env {
  const env = parseWith(envSchema, source);
  checkDatabase(env);
  const missing = secrets.filter((name) => !env[name]);
  if (missing.length > 0 && env.NODE_ENV === "production") {
    throw new EnvError(`Missing configuration: ${missing.join(", ")} must be set in production`);
  }
  const generated = Object.fromEntries(missing.map((name) => [name, randomBytes(32).toString("hex")]));
  if (missing.length > 0) log(`${missing.join(", ")} not set: generated random values for this run`);
  return { ...env, ...generated } as Env;
}

// `npm run sweep` (a Fly scheduled machine, or any cron) needs only the
// database settings, or the app's URL and the cron secret: not the session
// secret or admin token, which the scheduled machine should not hold.
const sweepSchema = z.object({ ...databaseFields, CRON_SECRET: secret, SWEEP_URL: httpUrl });

export type SweepTarget =
  // sweep a database directly: a remote primary, or the local file when it
  // is the only copy and nobody asked for HTTP
  | { kind: "database"; mode: "remote" | "embedded"; url: string; authToken: string | undefined }
  // the embedded file lives on the app machine's volume: ask the app
  | { kind: "http"; url: string; cronSecret: string };

export function parseSweepTarget(source: Record<string, string | undefined>): SweepTarget {
  const env = parseWith(sweepSchema, source);
  checkDatabase(env);
  const mode = databaseMode(env);
  if (mode === "remote") {
    return { kind: "database", mode, url: env.DATABASE_URL, authToken: env.DATABASE_AUTH_TOKEN };
  }
  // A one-shot sweep has no use for a local replica: it writes to the
  // primary directly, which is where a replica's writes go anyway.
  if (mode === "replica" && env.DATABASE_SYNC_URL) {
    return { kind: "database", mode: "remote", url: env.DATABASE_SYNC_URL, authToken: env.DATABASE_AUTH_TOKEN };
  }
  if (env.SWEEP_URL) {
    if (!env.CRON_SECRET) {
      throw new EnvError("Missing configuration: CRON_SECRET must be set to sweep through SWEEP_URL");
    }
    return { kind: "http", url: env.SWEEP_URL, cronSecret: env.CRON_SECRET };
  }
  return { kind: "database", mode: "embedded", url: env.DATABASE_URL, authToken: undefined };
}
