import type { AppLoadContext } from "@remix-run/node";
import type { z } from "zod";
import type { HttpRequest } from "~/http/http-request.server";
import { checkOperator } from "~/http/operator.server";
import { admitWrite } from "./api-outcomes.server";
import {
  apiError,
  guarded,
  methodNotAllowed,
  parseWith,
  readJsonBody,
  type ApiArgs,
  type ApiReply,
} from "./api.server";
import { idempotent } from "./idempotent-response.server";

// The admin API's door: the operator's token (401, or 429 after too many
// wrong ones in a row), then, for a write, the rate limit on writes.
export function admitOperator(
  request: HttpRequest,
  context: AppLoadContext,
  { writes = true } = {},
): { ok: true; name: string } | { ok: false; response: ApiReply } {
  const check = checkOperator(request, context);
  if (!check.ok) {
    const response =
      check.reason === "unauthorized"
        ? apiError(401, "unauthorized", "Send Authorization: Bearer <ADMIN_TOKEN>.", {
            headers: { "WWW-Authenticate": "Bearer" },
          })
        : apiError(429, "rate_limited", `Too many wrong tokens; try again in ${check.retryAfter} s`, {
            headers: { "Retry-After": String(check.retryAfter) },
          });
    return { ok: false, response };
  }
  const limited = writes ? admitWrite(context) : null;
  return limited ? { ok: false, response: limited } : { ok: true, name: check.operator };
}

// An admin write, start to finish: its one method (POST unless it is an
// edit, PATCH, or a removal, DELETE, whose body is empty), the operator
// admitted, the JSON body parsed by `schema`; `run` gets the input and the
// operator's name. With an Idempotency-Key it runs at most once (a script
// that retries a restock of +40 adds 40, not 80); the rate limit is taken
// only when it does run. `storedAs` keeps a secret the answer shows once
// out of what a replay sends.
export function adminAction<S extends z.ZodTypeAny>(
  { request, context }: ApiArgs,
  schema: S,
  run: (input: z.output<S>, operator: string) => Promise<ApiReply>,
  { method = "POST", storedAs }: { method?: "POST" | "PATCH" | "DELETE"; storedAs?: (text: string) => string } = {},
) {
  return guarded(context.app.log, async () => {
    if (request.method !== method) return methodNotAllowed(method);
    const operator = admitOperator(request, context, { writes: false });
    if (!operator.ok) return operator.response;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const input = parseWith(schema, body.json);
    if (!input.ok) return input.response;
    const { app } = context;
    return idempotent({
      request,
      database: app.database,
      clock: app.clock,
      // one ADMIN_TOKEN: every operator is the same client
      scope: "admin",
      body: body.text,
      admit: () => admitWrite(context),
      storedAs,
      respond: () => run(input.data, operator.name),
    });
  });
}
