import { describe, expect, test } from "vitest";
import { databaseMode, EnvError, parseEnv, parseSweepTarget } from "~/infra/env.server";

const secrets = {
  SESSION_SECRET: "session-secret-0123456789",
  CRON_SECRET: "cron-secret-0123456789",
  ADMIN_TOKEN: "admin-token-0123456789",
};

function problem(source: Record<string, string>): string {
  try {
    parseEnv(source);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as EnvError).message;
  }
  throw new Error("expected the configuration to be refused");
}

describe("parseEnv", () => {
  test("defaults: the embedded file, port 3000, a 15 s sweeper", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      NODE_ENV: "development",
      PORT: 3000,
      DATABASE_URL: "file:data/holdfast.db",
      HOLD_TTL_SECONDS: 600,
      RATE_LIMIT_PER_MINUTE: 120,
      SWEEP_INTERVAL_SECONDS: 15,
    });
    expect(env.DATABASE_AUTH_TOKEN).toBeUndefined();
    expect(env.DATABASE_SYNC_URL).toBeUndefined();
    expect(env.SWEEP_URL).toBeUndefined();
    expect(databaseMode(env)).toBe("embedded");
  });

  test("every variable is read", () => {
    const env = parseEnv({
      ...secrets,
      NODE_ENV: "production",
      PORT: "8080",
      DATABASE_URL: "file:/data/holdfast.db",
      HOLD_TTL_SECONDS: "300",
      RATE_LIMIT_PER_MINUTE: "0",
      SWEEP_INTERVAL_SECONDS: "0",
      SWEEP_URL: "http://holdfast.internal:3000/api/cron/expire-reservations",
    });
    expect(env).toMatchObject({
      ...secrets,
      NODE_ENV: "production",
      PORT: 8080,
      DATABASE_URL: "file:/data/holdfast.db",
      HOLD_TTL_SECONDS: 300,
      RATE_LIMIT_PER_MINUTE: 0,
      SWEEP_INTERVAL_SECONDS: 0,
      SWEEP_URL: "http://holdfast.internal:3000/api/cron/expire-reservations",
    });
  });

  test("the security settings: off-by-default proxy trust, fair-use caps and stream limits", () => {
    expect(parseEnv({})).toMatchObject({
      TRUST_PROXY: false,
      MAX_PENDING_HOLDS_PER_CLIENT: 10,
      MAX_PENDING_UNITS_PER_CLIENT: 200,
      MAX_PENDING_UNITS_PER_ADDRESS: 1000,
      MAX_LIVE_STREAMS: 2000,
      MAX_LIVE_STREAMS_PER_CLIENT: 16,
    });
    expect(parseEnv({ TRUST_PROXY: "true" }).TRUST_PROXY).toBe(true);
    expect(parseEnv({ TRUST_PROXY: "0" }).TRUST_PROXY).toBe(false);
    expect(parseEnv({ MAX_PENDING_UNITS_PER_ADDRESS: "0" }).MAX_PENDING_UNITS_PER_ADDRESS).toBe(0);
  });

  test("remote mode: libsql:// with its auth token", () => {
    const env = parseEnv({ DATABASE_URL: "libsql://holdfast-acme.turso.io", DATABASE_AUTH_TOKEN: "tok" });
    expect(databaseMode(env)).toBe("remote");
    expect(env.DATABASE_AUTH_TOKEN).toBe("tok");
  });

  test("remote mode: a self-hosted sqld may run without a token", () => {
    for (const url of [
      "libsql://db.internal:8080",
      "http://127.0.0.1:8080",
      "https://db.example.com",
      "wss://db.example.com",
    ]) {
      expect(databaseMode(parseEnv({ DATABASE_URL: url }))).toBe("remote");
    }
  });

  test("embedded replica: a local file synced from the primary", () => {
    const env = parseEnv({
      DATABASE_URL: "file:/data/replica.db",
      DATABASE_SYNC_URL: "libsql://holdfast-acme.turso.io",
      DATABASE_AUTH_TOKEN: "tok",
    });
    expect(databaseMode(env)).toBe("replica");
  });

  test("the expiry-rate alert: a share of the last hour's ended holds, half by default, 0 for off", () => {
    expect(parseEnv({}).ALERT_EXPIRY_RATE).toBe(0.5);
    expect(parseEnv({ ALERT_EXPIRY_RATE: "0.25" }).ALERT_EXPIRY_RATE).toBe(0.25);
    expect(parseEnv({ ALERT_EXPIRY_RATE: "0" }).ALERT_EXPIRY_RATE).toBe(0);
    expect(parseEnv({ ALERT_EXPIRY_RATE: "" }).ALERT_EXPIRY_RATE).toBe(0.5);
  });

  test("an empty variable means unset, so it takes its default", () => {
    const env = parseEnv({
      PORT: "",
      DATABASE_URL: "",
      SWEEP_INTERVAL_SECONDS: "",
      RATE_LIMIT_PER_MINUTE: " ",
      HOLD_TTL_SECONDS: "",
      SWEEP_URL: "",
      DATABASE_AUTH_TOKEN: "",
    });
    expect(env).toMatchObject({
      PORT: 3000,
      DATABASE_URL: "file:data/holdfast.db",
      SWEEP_INTERVAL_SECONDS: 15,
      RATE_LIMIT_PER_MINUTE: 120,
      HOLD_TTL_SECONDS: 600,
    });
  });

  test.each([
    [{ PORT: "eighty" }, "PORT must be a whole number"],
    [{ PORT: "70000" }, "PORT must be at most 65535"],
    [{ PORT: "80.5" }, "PORT must be a whole number"],
    [{ HOLD_TTL_SECONDS: "0" }, "HOLD_TTL_SECONDS must be at least 1"],
    [{ HOLD_TTL_SECONDS: "100000" }, "HOLD_TTL_SECONDS must be at most 86400"],
    [{ RATE_LIMIT_PER_MINUTE: "-1" }, "RATE_LIMIT_PER_MINUTE must be at least 0"],
    [{ SWEEP_INTERVAL_SECONDS: "-5" }, "SWEEP_INTERVAL_SECONDS must be at least 0"],
    [{ SWEEP_INTERVAL_SECONDS: "often" }, "SWEEP_INTERVAL_SECONDS must be a whole number"],
    [{ NODE_ENV: "staging" }, "NODE_ENV"],
    [{ DATABASE_URL: "postgres://x" }, "DATABASE_URL must start with file:, libsql://"],
    [{ DATABASE_URL: "data/holdfast.db" }, "DATABASE_URL must start with file:"],
    [
      { DATABASE_SYNC_URL: "file:other.db" },
      "DATABASE_SYNC_URL must be the libsql:// (or http(s)://) URL of the primary",
    ],
    [
      { DATABASE_URL: "libsql://a.example.com", DATABASE_SYNC_URL: "libsql://b.example.com" },
      "DATABASE_URL must be a file: path when DATABASE_SYNC_URL is set",
    ],
    [{ DATABASE_AUTH_TOKEN: "tok" }, "DATABASE_AUTH_TOKEN is set but DATABASE_URL is a local file"],
    [{ DATABASE_URL: "libsql://holdfast-acme.turso.io" }, "DATABASE_AUTH_TOKEN must be set for a Turso database"],
    [
      { DATABASE_URL: "file:replica.db", DATABASE_SYNC_URL: "libsql://holdfast-acme.turso.io" },
      "DATABASE_AUTH_TOKEN must be set for a Turso database",
    ],
    [{ SWEEP_URL: "not a url" }, "SWEEP_URL must be an http:// or https:// URL"],
    [{ SWEEP_URL: "ftp://x.example.com/sweep" }, "SWEEP_URL must be an http:// or https:// URL"],
    [{ CRON_SECRET: "short" }, "CRON_SECRET must be at least 16 characters"],
    [{ TRUST_PROXY: "yes" }, "TRUST_PROXY must be true or false"],
    [{ MAX_PENDING_HOLDS_PER_CLIENT: "-1" }, "MAX_PENDING_HOLDS_PER_CLIENT must be at least 0"],
    [{ MAX_LIVE_STREAMS: "0" }, "MAX_LIVE_STREAMS must be at least 1"],
    [{ ALERT_EXPIRY_RATE: "50" }, "ALERT_EXPIRY_RATE must be at most 1"],
    [{ ALERT_EXPIRY_RATE: "-0.1" }, "ALERT_EXPIRY_RATE must be at least 0"],
    [{ ALERT_EXPIRY_RATE: "half" }, "ALERT_EXPIRY_RATE must be a number from 0 to 1"],
  ])("refuses %o, naming the variable", (source, message) => {
    expect(problem(source)).toContain(message);
  });

  test("lists every problem at once", () => {
    const message = problem({ PORT: "x", HOLD_TTL_SECONDS: "0" });
    expect(message).toContain("PORT");
    expect(message).toContain("HOLD_TTL_SECONDS");
  });

  test("production stops without its secrets, naming each one", () => {
    expect(problem({ NODE_ENV: "production" })).toBe(
      "Missing configuration: SESSION_SECRET, CRON_SECRET, ADMIN_TOKEN must be set in production",
    );
    expect(problem({ NODE_ENV: "production", ...secrets, CRON_SECRET: "" })).toBe(
      "Missing configuration: CRON_SECRET must be set in production",
    );
  });

  test("development generates the missing secrets and says so", () => {
    const messages: string[] = [];
    const env = parseEnv({ CRON_SECRET: secrets.CRON_SECRET }, (m) => messages.push(m));
    expect(env.CRON_SECRET).toBe(secrets.CRON_SECRET);
    expect(env.SESSION_SECRET).toMatch(/^[0-9a-f]{64}$/);
    expect(env.ADMIN_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(env.ADMIN_TOKEN).not.toBe(env.SESSION_SECRET);
    expect(messages).toEqual(["SESSION_SECRET, ADMIN_TOKEN not set: generated random values for this run"]);
  });
});

describe("parseSweepTarget (npm run sweep)", () => {
  const sweepUrl = "http://holdfast.internal:3000/api/cron/expire-reservations";

  test("a remote DATABASE_URL is swept directly, even when SWEEP_URL is set", () => {
    expect(
      parseSweepTarget({
        DATABASE_URL: "libsql://holdfast-acme.turso.io",
        DATABASE_AUTH_TOKEN: "tok",
        SWEEP_URL: sweepUrl,
      }),
    ).toEqual({ kind: "database", mode: "remote", url: "libsql://holdfast-acme.turso.io", authToken: "tok" });
  });

  test("an embedded replica sweeps its primary directly", () => {
    expect(
      parseSweepTarget({
        DATABASE_URL: "file:/data/replica.db",
        DATABASE_SYNC_URL: "libsql://primary.internal:8080",
      }),
    ).toEqual({ kind: "database", mode: "remote", url: "libsql://primary.internal:8080", authToken: undefined });
  });

  test("the embedded file with SWEEP_URL asks the app over HTTP with the cron secret", () => {
    expect(
      parseSweepTarget({
        DATABASE_URL: "file:/data/holdfast.db",
        SWEEP_URL: sweepUrl,
        CRON_SECRET: secrets.CRON_SECRET,
      }),
    ).toEqual({ kind: "http", url: sweepUrl, cronSecret: secrets.CRON_SECRET });
  });

  test("the embedded file without SWEEP_URL is swept locally", () => {
    expect(parseSweepTarget({})).toEqual({
      kind: "database",
      mode: "embedded",
      url: "file:data/holdfast.db",
      authToken: undefined,
    });
  });

  test("needs neither the session secret nor the admin token, even in production", () => {
    expect(parseSweepTarget({ NODE_ENV: "production", DATABASE_URL: "file:/data/holdfast.db" }).kind).toBe("database");
  });

  test("HTTP without CRON_SECRET, or with a bad URL, is refused", () => {
    expect(() => parseSweepTarget({ SWEEP_URL: sweepUrl })).toThrow(
      "CRON_SECRET must be set to sweep through SWEEP_URL",
    );
    expect(() => parseSweepTarget({ SWEEP_URL: "holdfast.internal" })).toThrow(/SWEEP_URL must be an http/);
    expect(() => parseSweepTarget({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must start with/);
  });
});
