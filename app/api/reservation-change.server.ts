import { emptyRequest } from "~/api/api-contract.server";
import type { Database } from "~/infra/db/db.server";
import type { ChangeOutcome } from "~/models/hold-changes.server";
import type { Holder } from "~/models/holder.server";
import { RESERVATION_ID_PATTERN, type HoldPolicy } from "~/models/reservation";
import { apiCaller, type ApiCaller } from "./api-caller.server";
import { admitWrite, changeResponse } from "./api-outcomes.server";
import { guarded, methodNotAllowed, notFound, parseWith, readJsonBody, type ApiArgs } from "./api.server";
import { idempotent } from "./idempotent-response.server";

type Command = (input: {
  database: Database;
  id: string;
  holder: Holder;
  policy: HoldPolicy;
  now: number;
}) => Promise<ChangeOutcome>;

// The shared shape of confirm, release and extend over HTTP: an empty body
// (or `{}`), the holder from the token or the session, one command, its
// outcome as a status.
export function reservationChange(
  { request, params, context }: ApiArgs,
  command: Command,
  { idempotent: honoursKey = false } = {},
) {
  const { database, clock, log, policy } = context.app;
  return guarded(log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const input = parseWith(emptyRequest, body.json === undefined ? {} : body.json);
    if (!input.ok) return input.response;
    const id = params.id ?? "";
    // an id that cannot name a hold is answered before anything is written
    if (!RESERVATION_ID_PATTERN.test(id)) return notFound("No such reservation");
    const from = await apiCaller(request, context);
    if (!from.ok) return from.response;
    const { holder, apiKeyId } = from.caller;
    const run = async () => changeResponse(await command({ database, id, holder, policy, now: clock() }));
    const admit = () => admitWrite(context, { apiKeyId: apiKeyId ?? undefined });
    if (!honoursKey) return admit() ?? run();
    return idempotent({
      request,
      database,
      clock,
      scope: holdScope(id, from.caller),
      body: body.text,
      admit,
      respond: run,
    });
  });
}

// Where a hold's Idempotency-Keys live: the hold and the credential its
// caller proved, so one caller's key never replays another's answer.
export function holdScope(id: string, { holder, apiKeyId }: ApiCaller): string {
  const caller = apiKeyId !== null ? `key:${apiKeyId}` : (holder.tokenHash ?? holder.sessionHash ?? "anonymous");
  return `${id}:${caller}`;
}
