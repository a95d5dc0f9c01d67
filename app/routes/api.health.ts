import type { LoaderFunctionArgs } from "@remix-run/node";
import { checkHealth, noStoreJson } from "~/http/ops.server";

// Fly's HTTP check: 200 while the database answers, 503 when it does not.
export async function loader({ context }: LoaderFunctionArgs) {
  const health = await checkHealth({ database: context.app.database });
  return noStoreJson(health, health.status === "ok" ? 200 : 503);
}
