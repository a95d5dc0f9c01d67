import type { Database } from "~/infra/db/db.server";

// Idempotency-Key (README.md, "Safe to call twice"): the first request runs and its
// response is stored; a repeat with the same key and body replays it; the
// same key with another body is a conflict; a repeat while the first is
// still running waits for it, then gives up. Keys live in a scope (the
// caller and the route), so one client's key never replays another's.

// An Idempotency-Key is honoured for 24 hours (the API's promise); a
// retry later than that is a new request, and the sweep prunes the key.
export const KEY_LIFETIME_MS = 24 * 60 * 60 * 1000;
// A key still "in progress" this long after it began belongs to a request
// whose process died: a retry may take it over.
const ABANDONED_AFTER_MS = 60 * 1000;

export type IdempotencyStart =
  | { kind: "proceed" }
  | { kind: "replay"; status: number; body: string }
  | { kind: "conflict" }
  | { kind: "in_progress" };

type KeyRecord = { request_hash: string; response_status: number | null; response_body: string | null };

// A finished answer for this key, read without writing anything: a replay
// (or a conflict) is known before the caller's request costs a write or
// counts against its rate limit. Null when the key is new, still running or
// expired: then beginIdempotent decides, inside a write.
export async function findFinished({
  database,
  scope,
  key,
  requestHash,
  now,
}: {
  database: Database;
  scope: string;
  key: string;
  requestHash: string;
  now: number;
}): Promise<Extract<IdempotencyStart, { kind: "replay" | "conflict" }> | null> {
  const result = await database.reader.execute({
    sql: `SELECT request_hash, response_status, response_body FROM idempotency_keys
          WHERE scope = :scope AND key = :key AND created_at >= :expired`,
    args: { scope, key, expired: now - KEY_LIFETIME_MS },
  });
  const record = result.rows[0] as unknown as KeyRecord | undefined;
  if (!record || record.response_status === null || record.response_body === null) return null;
  if (record.request_hash !== requestHash) return { kind: "conflict" };
  return { kind: "replay", status: Number(record.response_status), body: record.response_body };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function beginIdempotent({
  database,
  scope,
  key,
  requestHash,
  now,
  waitMs = 5_000,
  pollMs = 25,
}: {
  database: Database;
  scope: string;
  key: string;
  requestHash: string;
  now: number;
  waitMs?: number;
  pollMs?: number;
}): Promise<IdempotencyStart> {
  const args = { scope, key, requestHash, now, expired: now - KEY_LIFETIME_MS, abandoned: now - ABANDONED_AFTER_MS };
  const { takeOver, insert, current } = await database.write({
    forgetExpired: {
      sql: "DELETE FROM idempotency_keys WHERE scope = :scope AND key = :key AND created_at < :expired",
      args,
    },
    takeOver: {
      sql: `UPDATE idempotency_keys SET request_hash = :requestHash, created_at = :now
            WHERE scope = :scope AND key = :key AND response_status IS NULL AND created_at <= :abandoned`,
      args,
    },
    insert: {
      sql: `INSERT INTO idempotency_keys (scope, key, request_hash, created_at)
            VALUES (:scope, :key, :requestHash, :now) ON CONFLICT DO NOTHING`,
      args,
    },
    current: {
      sql: "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE scope = :scope AND key = :key",
      args,
    },
  });
  if (takeOver.rowsAffected === 1 || insert.rowsAffected === 1) return { kind: "proceed" };

  let record = current.rows[0] as unknown as KeyRecord | undefined;
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (!record) return { kind: "in_progress" };
    if (record.request_hash !== requestHash) return { kind: "conflict" };
    if (record.response_status !== null && record.response_body !== null) {
      return { kind: "replay", status: Number(record.response_status), body: record.response_body };
    }
    if (Date.now() >= deadline) return { kind: "in_progress" };
    await sleep(pollMs);
    const again = await database.reader.execute({
      sql: "SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE scope = :scope AND key = :key",
      args: { scope, key },
    });
    record = again.rows[0] as unknown as KeyRecord | undefined;
  }
}

export async function completeIdempotent({
  database,
  scope,
  key,
  status,
  body,
  now,
}: {
  database: Database;
  scope: string;
  key: string;
  status: number;
  body: string;
  now: number;
}) {
  await database.write({
    complete: {
      sql: `UPDATE idempotency_keys SET response_status = :status, response_body = :body, completed_at = :now
            WHERE scope = :scope AND key = :key AND response_status IS NULL`,
      args: { scope, key, status, body, now },
    },
  });
}

// The request failed on our side: forget the key so a retry runs afresh.
export async function abandonIdempotent({ database, scope, key }: { database: Database; scope: string; key: string }) {
  await database.write({
    abandon: {
      sql: "DELETE FROM idempotency_keys WHERE scope = :scope AND key = :key AND response_status IS NULL",
      args: { scope, key },
    },
  });
}
