import type { ActionFunctionArgs } from "@remix-run/node";
import { reserveRequestLines } from "~/models/api-contract.server";
import { reserve } from "~/models/reservation.server";
import { apiError, apiHolder, guarded, methodNotAllowed, parseWith, readJsonBody } from "~/utils/api.server";
import { reserveResponse } from "~/utils/api-outcomes.server";
import { idempotent } from "~/utils/idempotent-response.server";
import { holdLimiter } from "~/utils/rate-limit.server";

// POST /api/reservations: hold one line, or several all-or-nothing.
export function action({ request, context }: ActionFunctionArgs) {
  const { app, clientAddress } = context;
  return guarded(app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const items = parseWith(reserveRequestLines(body.json), body.json);
    if (!items.ok) return items.response;

    const holder = await apiHolder(request, app.env.SESSION_SECRET);
    // one caller's key never replays another's: the scope is whoever asks
    const caller = holder.tokenHash ?? holder.sessionHash ?? `address:${clientAddress}`;
    return idempotent({
      request,
      database: app.database,
      clock: app.clock,
      scope: `reserve:${caller}`,
      body: body.text,
      respond: async () => {
        const retryAfter = holdLimiter(app.env.RATE_LIMIT_PER_MINUTE).take(clientAddress, app.clock());
        if (retryAfter !== null) {
          return apiError(429, "rate_limited", `Too many holds from this address; try again in ${retryAfter} s`, {
            headers: { "Retry-After": String(retryAfter) },
          });
        }
        const outcome = await reserve({
          database: app.database,
          items: items.data,
          holder: { sessionHash: holder.sessionHash },
          policy: app.policy,
          now: app.clock(),
        });
        return reserveResponse(outcome);
      },
    });
  });
}

export const loader = () => methodNotAllowed("POST");
