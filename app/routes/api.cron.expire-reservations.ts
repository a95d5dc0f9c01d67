import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { hasBearerSecret, noStoreJson } from "~/http/ops.server";
import { sweepAndLog } from "~/models/maintenance.server";

// For any external scheduler, and for `npm run sweep` when the embedded
// database lives on the app machine's volume. GET and POST both sweep:
// some schedulers can only send one of them.
async function expireReservations({ request, context }: LoaderFunctionArgs | ActionFunctionArgs) {
  const { database, clock, env, log } = context.app;
  if (!hasBearerSecret(request, env.CRON_SECRET)) {
    return noStoreJson({ error: { code: "unauthorized", message: "Send Authorization: Bearer <CRON_SECRET>." } }, 401, {
      "WWW-Authenticate": "Bearer",
    });
  }
  try {
    const { expired } = await sweepAndLog({ database, now: clock(), log, trigger: "http" });
    return noStoreJson({ expired });
  } catch {
    // already logged with its cause; the caller retries on its next run
    return noStoreJson({ error: { code: "unavailable", message: "The sweep failed; try again later." } }, 503);
  }
}

export const loader = expireReservations;
export const action = expireReservations;
