import { createHash } from "node:crypto";

// Who may act on a hold: the API client that holds its token, the browser
// session that made it, or the integrator key whose customer it is for.
// Only hashes of the secrets are stored and compared.
export type Holder = { tokenHash: string | null; sessionHash: string | null; apiKeyId?: string | null };

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

// SQL over a reservation row: the caller is its holder (:tokenHash,
// :sessionHash and :apiKeyId are the caller's, any may be null; the args
// come from holderArgs).
export const isHolder = `(holder_hash = :tokenHash OR session_hash = :sessionHash OR api_key_id = :apiKeyId)`;

export const holderArgs = (holder: Holder) => ({
  tokenHash: holder.tokenHash,
  sessionHash: holder.sessionHash,
  apiKeyId: holder.apiKeyId ?? null,
});
