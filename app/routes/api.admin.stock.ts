import { restockRequest } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { apiError, apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { restock } from "~/models/restock.server";

// POST /api/admin/stock: an operator's stock change, as one guarded write
// with its ledger entry.
export const action = (args: ApiArgs) =>
  adminAction(args, restockRequest, async ({ productId, warehouseId, delta, total, reason, note }, operator) => {
    const { app } = args.context;
    const outcome = await restock({
      database: app.database,
      productId,
      warehouseId,
      change: total === undefined ? { delta: delta ?? 0 } : { total },
      reason,
      note: note ?? null,
      operator,
      now: app.clock(),
    });
    if (outcome.ok) return apiJson({ stock: { productId, warehouseId, before: outcome.before, after: outcome.after } });
    if (outcome.code === "not_found")
      return apiError(404, "not_found", `No product ${productId} or warehouse ${warehouseId}`);
    return apiError(
      409,
      "stock_below_committed",
      `A total of ${outcome.requestedTotal} is less than what is held (${outcome.reserved}) and sold (${outcome.sold})`,
      { details: { requestedTotal: outcome.requestedTotal, reserved: outcome.reserved, sold: outcome.sold } },
    );
  });

export const loader = () => methodNotAllowed("POST");
