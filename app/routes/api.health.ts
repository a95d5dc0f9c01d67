import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiJson } from "~/api/api.server";
import { checkHealth } from "~/models/health.server";

// Fly's HTTP check: 200 while the database answers, 503 when it does not.
export async function loader({ context }: LoaderFunctionArgs) {
  const health = await checkHealth({ database: context.app.database });
  return apiJson(health, { status: health.status === "ok" ? 200 : 503 });
}
