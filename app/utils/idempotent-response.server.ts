import { createHash } from "node:crypto";
import { abandonIdempotent, beginIdempotent, completeIdempotent } from "~/models/idempotency.server";
import type { Clock } from "./clock.server";
import type { Database } from "./db.server";
import { idempotencyKeyHeader } from "~/models/api-contract.server";
import { apiError, describeIssues } from "./api.server";

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
}: {
  request: Request;
  database: Database;
  clock: Clock;
  scope: string;
  body: string;
  respond: () => Promise<Response>;
}): Promise<Response> {
  const header = request.headers.get("Idempotency-Key");
  if (header === null) return respond();
  const parsed = idempotencyKeyHeader.safeParse(header);
  if (!parsed.success) {
    return apiError(400, "validation_error", `Idempotency-Key ${describeIssues(parsed.error).replace(/^body: /, "")}`);
  }
  const key = parsed.data;
  const requestHash = createHash("sha256").update(`${request.method} ${new URL(request.url).pathname}\n${body}`).digest("hex");
  const start = await beginIdempotent({ database, scope, key, requestHash, now: clock() });
  switch (start.kind) {
    case "replay":
      return new Response(start.body, {
        status: start.status,
        headers: {
          "Content-Type": "application/json; charset=utf-8",
          "Cache-Control": "no-store",
          "Idempotent-Replay": "true",
        },
      });
    case "conflict":
      return apiError(409, "idempotency_conflict", "This Idempotency-Key was already used with a different request");
    case "in_progress":
      return apiError(425, "idempotency_in_progress", "The first request with this Idempotency-Key is still running; retry shortly", {
        headers: { "Retry-After": "1" },
      });
    case "proceed":
      break;
  }
  let response: Response;
  try {
    response = await respond();
  } catch (error) {
    await abandonIdempotent({ database, scope, key });
    throw error;
  }
  // Answers about the request are stored and replayed; a failure on our
  // side, or a "slow down", is not an answer: the key is freed for a retry.
  if (response.status >= 500 || response.status === 429) {
    await abandonIdempotent({ database, scope, key });
    return response;
  }
  const text = await response.text();
  await completeIdempotent({ database, scope, key, status: response.status, body: text, now: clock() });
  return new Response(text, { status: response.status, headers: response.headers });
}
