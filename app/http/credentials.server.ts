import { createHash, timingSafeEqual } from "node:crypto";
import type { HttpRequest } from "./http-request.server";

// What a caller sends in `Authorization: Bearer <token>`: a hold token, or a
// shared secret such as CRON_SECRET. A malformed header is no token.
export function bearerToken(request: HttpRequest): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("Authorization") ?? "");
  return match ? match[1]! : null;
}

// The caller's bearer token is `secret`, compared in constant time.
export function hasBearerSecret(request: HttpRequest, secret: string): boolean {
  return isSecret(bearerToken(request), secret);
}

// `given` is `secret`, compared in constant time. Both sides are hashed
// first so the comparison also takes the same time whatever the length of
// the guess.
export function isSecret(given: string | null, secret: string): boolean {
  const guess = createHash("sha256")
    .update(given ?? "")
    .digest();
  const expected = createHash("sha256").update(secret).digest();
  return timingSafeEqual(guess, expected) && given !== null;
}
