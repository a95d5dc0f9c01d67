import { createHash } from "node:crypto";
import { idempotencyKeyHeader } from "~/api/api-contract.server";
import type { HttpRequest } from "~/http/http-request.server";
import type { Clock } from "~/infra/clock.server";
import type { Database } from "~/infra/db/db.server";
import { abandonIdempotent, beginIdempotent, completeIdempotent, findFinished } from "~/models/idempotency.server";
import { apiError, describeIssues, type ApiReply } from "./api.server";

// An answer is stored for replay only when it says something about a real
// hold: a success, or a refusal because of the state of stock or of the hold
// (409, 410). Anything about the request itself (400, 404, 413, 415), a
// "slow down" (429) or a failure on our side (5xx) is not stored, so a
// stranger's made-up requests leave nothing behind, and a retry runs afresh.
const isRealOutcome = (status: number) => status < 400 || status === 409 || status === 410;

// A secret is shown once, in the answer that made it: a hold's token, an
// integrator's key. The stored copy (what a replay sends) has `field` as
// null. Only the secret's hash is kept anywhere, here as with what it opens.
const withoutSecret =
  (field: "holdToken" | "key") =>
  (text: string): string => {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    return field in parsed ? JSON.stringify({ ...parsed, [field]: null }) : text;
  };

export const withoutHoldToken = withoutSecret("holdToken");
export const withoutApiKey = withoutSecret("key");

// Runs `respond` at most once per Idempotency-Key in `scope` (the caller and
// the route): a repeat replays the stored answer with Idempotent-Replay:
// true. Without the header, `respond` simply runs.
export async function idempotent({
  request,
  database,
  clock,
  scope,
  body,
  respond,
  admit = () => null,
  storedAs = (text) => text,
}: {
  request: HttpRequest;
  database: Database;
  clock: Clock;
  scope: string;
  body: string;
  respond: () => Promise<ApiReply>;
  // a refusal decided before anything is written (the rate limit), or null
  // to go ahead; a replay of a finished answer skips it
  admit?: () => ApiReply | null;
  // what of the answer is kept for a replay
  storedAs?: (text: string) => string;
}): Promise<ApiReply> {
  const header = request.headers.get("Idempotency-Key");
  if (header === null) return admit() ?? respond();
  const parsed = idempotencyKeyHeader.safeParse(header);
  if (!parsed.success) {
    return apiError(400, "validation_error", `Idempotency-Key ${describeIssues(parsed.error).replace(/^body: /, "")}`);
  }
  const key = parsed.data;
  const requestHash = createHash("sha256")
    .update(`${request.method} ${new URL(request.url).pathname}\n${body}`)
    .digest("hex");
  const start =
    (await findFinished({ database, scope, key, requestHash, now: clock() })) ??
    admit() ??
    (await beginIdempotent({ database, scope, key, requestHash, now: clock() }));
  // the rate limit's refusal, the one answer here without a kind
  if (!("kind" in start)) return start;
  switch (start.kind) {
    case "replay":
      return {
        status: start.status,
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Cache-Control": "no-store",
          "Idempotent-Replay": "true",
        },
        body: start.body,
      };
    case "conflict":
      return apiError(409, "idempotency_conflict", "This Idempotency-Key was already used with a different request");
    case "in_progress":
      return apiError(
        425,
        "idempotency_in_progress",
        "The first request with this Idempotency-Key is still running; retry shortly",
        {
          headers: { "Retry-After": "1" },
        },
      );
    case "proceed":
      break;
  }
  let response: ApiReply;
  try {
    response = await respond();
  } catch (error) {
    await abandonIdempotent({ database, scope, key });
    throw error;
  }
  if (!isRealOutcome(response.status)) {
    await abandonIdempotent({ database, scope, key });
    return response;
  }
  await completeIdempotent({
    database,
    scope,
    key,
    status: response.status,
    body: storedAs(response.body),
    now: clock(),
  });
  return response;
}
