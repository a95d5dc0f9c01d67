import { createHash } from "node:crypto";

// Who may act on a hold: the API client that holds its token, or the browser
// session that made it. Only hashes are stored and compared.
export type Holder = { tokenHash: string | null; sessionHash: string | null };

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

// SQL over a reservation row: the caller is its holder (:tokenHash and
// :sessionHash are the caller's hashes, either may be null).
export const isHolder = `(holder_hash = :tokenHash OR session_hash = :sessionHash)`;
