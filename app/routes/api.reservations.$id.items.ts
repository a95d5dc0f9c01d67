import { apiCaller } from "~/api/api-caller.server";
import { addItemsRequest, setItemRequest } from "~/api/api-contract.server";
import { admitWrite, itemsChangeResponse } from "~/api/api-outcomes.server";
import { guarded, methodNotAllowed, notFound, parseWith, readJsonBody, type ApiArgs } from "~/api/api.server";
import { idempotent } from "~/api/idempotent-response.server";
import { holdScope } from "~/api/reservation-change.server";
import { addItems, setItem } from "~/models/hold-items.server";
import { RESERVATION_ID_PATTERN } from "~/models/reservation";

// the hold and the caller a change is for, and when
type Target = Omit<Parameters<typeof setItem>[0], "line">;

// The body as the change it asks for: POST adds lines, PATCH sets one.
function changeOf(method: "POST" | "PATCH", json: unknown) {
  if (method === "POST") {
    const input = parseWith(addItemsRequest, json);
    if (!input.ok) return input;
    return { ok: true as const, run: (target: Target) => addItems({ ...target, lines: input.data.items }) };
  }
  const input = parseWith(setItemRequest, json);
  if (!input.ok) return input;
  return { ok: true as const, run: (target: Target) => setItem({ ...target, line: input.data }) };
}

// POST /api/reservations/:id/items adds lines to a pending hold, all or
// nothing; PATCH sets one line's quantity (0 takes it out, and the last
// line out releases the hold). Neither extends the hold.
export function action({ request, params, context }: ApiArgs) {
  const { database, clock, log, policy, fairUse } = context.app;
  return guarded(log, async () => {
    const { method } = request;
    if (method !== "POST" && method !== "PATCH") return methodNotAllowed("POST, PATCH");
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const change = changeOf(method, body.json);
    if (!change.ok) return change.response;
    const id = params.id ?? "";
    // an id that cannot name a hold is answered before anything is written
    if (!RESERVATION_ID_PATTERN.test(id)) return notFound("No such reservation");
    const from = await apiCaller(request, context);
    if (!from.ok) return from.response;
    const { holder, apiKeyId } = from.caller;
    return idempotent({
      request,
      database,
      clock,
      scope: holdScope(id, from.caller),
      body: body.text,
      admit: () => admitWrite(context, { apiKeyId: apiKeyId ?? undefined }),
      respond: async () =>
        itemsChangeResponse(await change.run({ database, id, holder, fairUse, policy, now: clock() })),
    });
  });
}

export const loader = () => methodNotAllowed("POST, PATCH");
