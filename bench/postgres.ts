// A throwaway PostgreSQL cluster for the seeds' design (seeds-design.mjs):
// made in a temporary folder, on a free port on 127.0.0.1, and removed
// after. Without PostgreSQL on the machine the comparison is skipped, and
// the reason is printed instead.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./listening";

export type Postgres = { env: Record<string, string>; stop: () => void };

const SCHEMA = `
  CREATE TABLE inventory (
    product_id text NOT NULL, warehouse_id text NOT NULL,
    total integer NOT NULL, reserved integer NOT NULL DEFAULT 0, sold integer NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, warehouse_id), CHECK (reserved >= 0 AND reserved + sold <= total));
  CREATE TABLE reservations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(), product_id text NOT NULL, warehouse_id text NOT NULL,
    quantity integer NOT NULL, status text NOT NULL, expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
  CREATE FUNCTION reserve(p text, w text, q integer, ttl integer) RETURNS uuid LANGUAGE plpgsql AS $$
  DECLARE
    free integer;
    held uuid;
  BEGIN
    SELECT total - reserved - sold INTO free FROM inventory
      WHERE product_id = p AND warehouse_id = w FOR UPDATE;
    IF free IS NULL OR free < q THEN RETURN NULL; END IF;
    UPDATE inventory SET reserved = reserved + q WHERE product_id = p AND warehouse_id = w;
    INSERT INTO reservations (product_id, warehouse_id, quantity, status, expires_at)
      VALUES (p, w, q, 'pending', now() + make_interval(secs => ttl)) RETURNING id INTO held;
    RETURN held;
  END $$;`;

// initdb and pg_ctl: on the PATH, or where Debian puts them
function binDir(): string | null {
  const candidates = [
    ...(process.env.PATH ?? "").split(path.delimiter),
    ...(existsSync("/usr/lib/postgresql")
      ? readdirSync("/usr/lib/postgresql").map((v) => `/usr/lib/postgresql/${v}/bin`)
      : []),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl"))) ?? null;
}

export async function startPostgres(rows: [string, string][]): Promise<Postgres | { skipped: string }> {
  const bin = binDir();
  if (!bin) return { skipped: "no PostgreSQL here (initdb, pg_ctl); install it to compare with the seeds' design" };
  // PostgreSQL will not run as root: as root, the cluster is the postgres user's
  const asRoot = userInfo().uid === 0;
  const run = (command: string, args: string[]) =>
    execFileSync(asRoot ? "runuser" : command, asRoot ? ["-u", "postgres", "--", command, ...args] : args, {
      stdio: "ignore",
    });
  const dir = mkdtempSync(path.join(tmpdir(), "holdfast-bench-pg-"));
  const port = await freePort();
  try {
    if (asRoot) {
      chownSync(dir, Number(execFileSync("id", ["-u", "postgres"])), Number(execFileSync("id", ["-g", "postgres"])));
    }
    run(path.join(bin, "initdb"), ["-D", dir, "-A", "trust", "-U", "bench", "--no-sync"]);
    const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=50`;
    run(path.join(bin, "pg_ctl"), ["-D", dir, "-l", path.join(dir, "log"), "-o", options, "-w", "start"]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return { skipped: `PostgreSQL did not start (${error instanceof Error ? error.message.split("\n")[0] : error})` };
  }
  const env = { PGHOST: "127.0.0.1", PGPORT: String(port), PGUSER: "bench", PGDATABASE: "postgres" };
  const stop = () => {
    run(path.join(bin, "pg_ctl"), ["-D", dir, "-m", "fast", "-w", "stop"]);
    rmSync(dir, { recursive: true, force: true });
  };
  // a cluster that started is stopped again whatever fails after
  const client = new pg.Client({ host: env.PGHOST, port, user: env.PGUSER, database: env.PGDATABASE });
  try {
    await client.connect();
    await client.query(SCHEMA);
    await client.query(
      "INSERT INTO inventory (product_id, warehouse_id, total) SELECT p, w, 10000000 FROM unnest($1::text[], $2::text[]) AS r(p, w)",
      [rows.map((r) => r[0]), rows.map((r) => r[1])],
    );
  } catch (error) {
    stop();
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
  return { env, stop };
}
