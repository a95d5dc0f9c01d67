import { v7 as timeOrderedUuid } from "uuid";
import type { Database } from "~/infra/db/db.server";
import { randomBytesFromPool } from "~/infra/random.server";
import { hashSecret } from "./holder.server";
import { RESERVATION_ID_PATTERN } from "./reservation";

// Integrator keys: an operator makes one for a payment service or a
// storefront on another stack, which then sends it as `Authorization:
// Bearer hfk_…`. The key is shown once, in the answer that made it; only its
// sha-256 is stored, like a hold token's. Each change is one guarded write
// with its audit entry (the operator, the key's id and name) in the outbox.

// A bearer that starts with this means to be a key, so an unknown or
// revoked one is refused rather than taken for no credential at all; it
// also lets secret scanners spot a leaked key.
export const API_KEY_PREFIX = "hfk_";

export type ApiKeySummary = {
  id: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
};

export type RevokeOutcome =
  | { ok: true; apiKey: ApiKeySummary }
  | { ok: false; code: "not_found" }
  | { ok: false; code: "already_revoked"; apiKey: ApiKeySummary };

// A key's last use is written at most this often: enough for "is this key
// still used?", without a write for every request it makes.
const LAST_USE_RESOLUTION_MS = 60_000;

type ApiKeyRecord = {
  id: string;
  name: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
};

const selectApiKey = `SELECT id, name, created_at, last_used_at, revoked_at FROM api_keys`;

const toSummary = (r: ApiKeyRecord): ApiKeySummary => ({
  id: r.id,
  name: r.name,
  createdAt: Number(r.created_at),
  lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

const auditEntry = (type: "api_key_created" | "api_key_revoked") =>
  `INSERT INTO events (type, payload, created_at)
   SELECT '${type}', json_object('operator', :operator, 'apiKeyId', id, 'name', name), :now
   FROM api_keys WHERE id = :id AND changes() = 1`;

// A new key, live at once. `key` is the only copy there will ever be.
export async function createApiKey({
  database,
  name,
  operator,
  now,
}: {
  database: Database;
  name: string;
  operator: string;
  now: number;
}): Promise<{ apiKey: ApiKeySummary; key: string }> {
  const key = `${API_KEY_PREFIX}${randomBytesFromPool(32).toString("base64url")}`;
  const args = {
    id: timeOrderedUuid({ random: randomBytesFromPool(16) }),
    name,
    keyHash: hashSecret(key),
    operator,
    now,
  };
  const results = await database.write({
    created: {
      sql: `INSERT INTO api_keys (id, name, key_hash, created_at) VALUES (:id, :name, :keyHash, :now)`,
      args,
    },
    // only if the insert above happened (changes(), its count)
    audit: { sql: auditEntry("api_key_created"), args },
    after: { sql: `${selectApiKey} WHERE id = :id`, args },
  });
  return { apiKey: toSummary(results.after.rows[0] as unknown as ApiKeyRecord), key };
}

// Every key, revoked ones too, newest first.
export async function listApiKeys({ database }: { database: Database }): Promise<ApiKeySummary[]> {
  const result = await database.reader.execute(`${selectApiKey} ORDER BY created_at DESC, id DESC`);
  return (result.rows as unknown as ApiKeyRecord[]).map(toSummary);
}

// A live key stops working at once; a revoked one stays revoked (and
// listed). Revoking it again changes nothing and says so.
export async function revokeApiKey({
  database,
  id,
  operator,
  now,
}: {
  database: Database;
  id: string;
  operator: string;
  now: number;
}): Promise<RevokeOutcome> {
  // key ids are time-ordered UUIDs; anything else names none
  if (!RESERVATION_ID_PATTERN.test(id)) return { ok: false, code: "not_found" };
  const args = { id, operator, now };
  const results = await database.write({
    decision: {
      sql: `UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL`,
      args,
    },
    audit: { sql: auditEntry("api_key_revoked"), args },
    after: { sql: `${selectApiKey} WHERE id = :id`, args },
  });
  const [after] = results.after.rows as unknown as ApiKeyRecord[];
  if (!after) return { ok: false, code: "not_found" };
  if (results.decision.rowsAffected !== 1) return { ok: false, code: "already_revoked", apiKey: toSummary(after) };
  return { ok: true, apiKey: toSummary(after) };
}

// The live key a caller presented, or null when it is unknown or revoked.
// `lastUsedAt` lets the caller tell whether its use is due to be recorded.
export async function findApiKey({
  database,
  key,
}: {
  database: Database;
  key: string;
}): Promise<{ id: string; name: string; lastUsedAt: number | null } | null> {
  const result = await database.reader.execute({
    sql: `${selectApiKey} WHERE key_hash = :keyHash AND revoked_at IS NULL`,
    args: { keyHash: hashSecret(key) },
  });
  const [found] = result.rows as unknown as ApiKeyRecord[];
  return found ? { id: found.id, name: found.name, lastUsedAt: toSummary(found).lastUsedAt } : null;
}

// Whether a key last recorded at `lastUsedAt` should record a use at `now`.
export const lastUseIsDue = (lastUsedAt: number | null, now: number) =>
  lastUsedAt === null || lastUsedAt <= now - LAST_USE_RESOLUTION_MS;

// Records that a key was used at `now`, unless a use within the last minute
// already is: the guard, so requests that all saw an old last use (several
// at once, or on several machines) change the row once.
export async function recordApiKeyUse({ database, id, now }: { database: Database; id: string; now: number }) {
  await database.write({
    recorded: {
      sql: `UPDATE api_keys SET last_used_at = :now
            WHERE id = :id AND (last_used_at IS NULL OR last_used_at <= :now - :resolution)`,
      args: { id, now, resolution: LAST_USE_RESOLUTION_MS },
    },
  });
}
