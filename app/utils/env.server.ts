import { randomBytes } from "node:crypto";
import { z } from "zod";

// Every setting the server reads, checked once at start: a wrong value stops
// start-up with a message that names the variable.

// An empty variable (KEY= in a .env file or fly.toml) means "not set".
const unsetIfEmpty = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (v === "" ? undefined : v), schema);
const secret = unsetIfEmpty(z.string().min(16, "must be at least 16 characters").optional());
const optionalText = unsetIfEmpty(z.string().optional());
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  DATABASE_URL: z
    .string()
    .default("file:data/holdfast.db")
    .refine((u) => /^(file|libsql|https?|wss?):/.test(u), "must start with file:, libsql:, http(s): or ws(s):"),
  DATABASE_AUTH_TOKEN: optionalText,
  DATABASE_SYNC_URL: optionalText.refine(
    (u) => u === undefined || /^(libsql|https?|wss?):/.test(u),
    "must be the libsql:// (or http(s)://) URL of the primary",
  ),
  HOLD_TTL_SECONDS: positiveInt(600).refine((n) => n <= 24 * 3600, "must be at most 86400 (a day)"),
  SESSION_SECRET: secret,
  CRON_SECRET: secret,
  ADMIN_TOKEN: secret,
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(120),
  SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(15),
  SWEEP_URL: optionalText.refine((u) => u === undefined || URL.canParse(u), "must be a URL"),
});

export type Env = Omit<z.infer<typeof envSchema>, "SESSION_SECRET" | "CRON_SECRET" | "ADMIN_TOKEN"> & {
  SESSION_SECRET: string;
  CRON_SECRET: string;
  ADMIN_TOKEN: string;
};

export class EnvError extends Error {}

const secrets = ["SESSION_SECRET", "CRON_SECRET", "ADMIN_TOKEN"] as const;

// Production refuses to start without its secrets; development makes
// throwaway ones and says so, so `npm start` works on a fresh clone.
export function parseEnv(
  source: Record<string, string | undefined>,
  log: (message: string) => void = () => {},
): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join(".")} ${i.message}`);
    throw new EnvError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const env = result.data;
  if (env.DATABASE_SYNC_URL && !env.DATABASE_URL.startsWith("file:")) {
    throw new EnvError(
      "Invalid configuration:\n  DATABASE_URL must be a file: path when DATABASE_SYNC_URL is set (the embedded replica)",
    );
  }
  const missing = secrets.filter((name) => !env[name]);
  if (missing.length > 0 && env.NODE_ENV === "production") {
    throw new EnvError(`Missing configuration: ${missing.join(", ")} must be set in production`);
  }
  const generated = Object.fromEntries(missing.map((name) => [name, randomBytes(32).toString("hex")]));
  if (missing.length > 0) log(`${missing.join(", ")} not set: generated random values for this run`);
  return { ...env, ...generated } as Env;
}
