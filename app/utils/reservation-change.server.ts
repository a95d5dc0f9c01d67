import type { ActionFunctionArgs } from "@remix-run/node";
import { emptyRequest } from "~/models/api-contract.server";
import type { ChangeOutcome, Holder } from "~/models/reservation.server";
import type { HoldPolicy } from "~/models/reservation";
import type { Database } from "./db.server";
import { apiHolder, guarded, methodNotAllowed, parseWith, readJsonBody } from "./api.server";
import { changeResponse } from "./api-outcomes.server";
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
  { request, params, context }: ActionFunctionArgs,
  command: Command,
  { idempotent: honoursKey = false } = {},
) {
  const { database, clock, env, log, policy } = context.app;
  return guarded(log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const input = parseWith(emptyRequest, body.json === undefined ? {} : body.json);
    if (!input.ok) return input.response;
    const holder = await apiHolder(request, env.SESSION_SECRET);
    const id = params.id ?? "";
    const run = async () => changeResponse(await command({ database, id, holder, policy, now: clock() }));
    if (!honoursKey) return run();
    const caller = holder.tokenHash ?? holder.sessionHash ?? "anonymous";
    return idempotent({ request, database, clock, scope: `${id}:${caller}`, body: body.text, respond: run });
  });
}
