import { apiJson, type ApiArgs } from "~/api/api.server";

// Fly's HTTP check: 200 while the database answers, 503 when it does not.
// Books out of step are "degraded", still 200: a restart fixes nothing.
export async function loader({ context }: ApiArgs) {
  const health = await context.app.health.current();
  if (health.status !== "ok") return apiJson(health, { status: 503 });
  const report = context.app.consistency.last();
  if (report && report.violations.length > 0) {
    return apiJson({
      ...health,
      status: "degraded",
      // how many rows, not which: the details are for operators
      // (GET /api/admin/consistency)
      consistency: { checkedAt: new Date(report.checkedAt).toISOString(), violations: report.violations.length },
    });
  }
  return apiJson(health);
}
