import { apiError, apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { hasBearerSecret } from "~/http/credentials.server";
import { sweepAndLog } from "~/models/maintenance.server";

// For any external scheduler, and for `npm run sweep` when the embedded
// database lives on the app machine's volume. GET and POST both sweep:
// some schedulers can only send one of them.
async function expireReservations({ request, context }: ApiArgs | ApiArgs) {
  const { database, clock, env, log } = context.app;
  if (!hasBearerSecret(request, env.CRON_SECRET)) {
    return apiError(401, "unauthorized", "Send Authorization: Bearer <CRON_SECRET>.", {
      headers: { "WWW-Authenticate": "Bearer" },
    });
  }
  try {
    const { expired } = await sweepAndLog({ database, now: clock(), log, trigger: "http" });
    return apiJson({ expired });
  } catch {
    // already logged with its cause; the caller retries on its next run
    return apiError(503, "service_unavailable", "The sweep failed; try again later.");
  }
}

export const loader = expireReservations;
export const action = (args: ApiArgs) =>
  args.request.method === "POST" ? expireReservations(args) : methodNotAllowed("GET, POST");
