import { apiJson, guarded, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { toApiDropView } from "~/api/drops-contract.server";
import { listDrops } from "~/models/drop-views.server";

// GET /api/drops: live and upcoming drops, then the ones that ended, with
// their products' live stock and top purchasers.
export function loader({ context }: ApiArgs) {
  const { database, clock, log } = context.app;
  return guarded(log, async () => {
    const drops = await listDrops({ database, now: clock() });
    return apiJson({ drops: drops.map(toApiDropView) });
  });
}

export const action = () => methodNotAllowed("GET");
