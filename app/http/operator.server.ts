import type { AppLoadContext } from "@remix-run/node";
import { hasBearerSecret } from "./credentials.server";

// Operators call the admin API with `Authorization: Bearer $ADMIN_TOKEN`
// and may name themselves in `X-Operator` (recorded on every change they
// make). Wrong tokens are counted per address: after a few in a row the
// address must wait, so the token cannot be guessed at speed.

export const WRONG_TOKENS_PER_MINUTE = 10;

const operatorName = /^[\p{L}\p{N} ._@-]{1,60}$/u;

export type OperatorCheck =
  | { ok: true; operator: string }
  | { ok: false; reason: "unauthorized" }
  | { ok: false; reason: "slow_down"; retryAfter: number };

export function checkOperator(request: Request, { app, client }: AppLoadContext): OperatorCheck {
  const limiter = app.wrongTokenLimiter;
  // an address that got too many wrong in a row waits, whatever it sends
  // now, so the token cannot be guessed at speed
  const waiting = limiter.waitFor(client.address, app.clock());
  if (waiting !== null) return { ok: false, reason: "slow_down", retryAfter: waiting };
  if (!hasBearerSecret(request, app.env.ADMIN_TOKEN)) {
    const retryAfter = limiter.take(client.address, app.clock());
    return retryAfter === null ? { ok: false, reason: "unauthorized" } : { ok: false, reason: "slow_down", retryAfter };
  }
  const named = request.headers.get("X-Operator")?.trim() ?? "";
  return { ok: true, operator: operatorName.test(named) ? named : "api" };
}
