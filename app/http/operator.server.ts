import type { AppLoadContext } from "@remix-run/node";
import { bearerToken, isSecret } from "./credentials.server";
import type { HttpRequest } from "./http-request.server";

// Operators call the admin API with `Authorization: Bearer $ADMIN_TOKEN`
// and may name themselves in `X-Operator`; the console's login form sends
// the same token and a name. The name is recorded on every change they
// make. Wrong tokens are counted per address: after a few in a row the
// address must wait, so the token cannot be guessed at speed.

export const WRONG_TOKENS_PER_MINUTE = 10;

export const OPERATOR_NAME = /^[\p{L}\p{N} ._@-]{1,60}$/u;

export type OperatorCheck =
  | { ok: true; operator: string }
  | { ok: false; reason: "unauthorized" }
  | { ok: false; reason: "slow_down"; retryAfter: number };

// `token` is ADMIN_TOKEN, unless this address has guessed wrong too often;
// the operator is `name` when it is a fair name, else `fallback`.
export function checkOperatorToken(
  { token, name, fallback }: { token: string | null; name: string | null; fallback: string },
  { app, client }: AppLoadContext,
): OperatorCheck {
  const limiter = app.wrongTokenLimiter;
  // an address that got too many wrong in a row waits, whatever it sends
  // now, so the token cannot be guessed at speed
  const waiting = limiter.waitFor(client.address, app.clock());
  if (waiting !== null) return { ok: false, reason: "slow_down", retryAfter: waiting };
  if (!isSecret(token, app.env.ADMIN_TOKEN)) {
    const retryAfter = limiter.take(client.address, app.clock());
    return retryAfter === null ? { ok: false, reason: "unauthorized" } : { ok: false, reason: "slow_down", retryAfter };
  }
  const named = name?.trim() ?? "";
  return { ok: true, operator: OPERATOR_NAME.test(named) ? named : fallback };
}

export function checkOperator(request: HttpRequest, context: AppLoadContext): OperatorCheck {
  return checkOperatorToken(
    { token: bearerToken(request), name: request.headers.get("X-Operator"), fallback: "api" },
    context,
  );
}
