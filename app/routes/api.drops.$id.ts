import { apiJson, guarded, methodNotAllowed, notFound, type ApiArgs } from "~/api/api.server";
import { toApiDropView } from "~/api/drops-contract.server";
import { getDrop } from "~/models/drop-views.server";
import { ID_PATTERN } from "~/models/reservation";

export function loader({ params, context }: ApiArgs) {
  const { database, clock, log } = context.app;
  return guarded(log, async () => {
    const id = params.id ?? "";
    const drop = ID_PATTERN.test(id) ? await getDrop({ database, id, now: clock() }) : null;
    return drop ? apiJson({ drop: toApiDropView(drop) }) : notFound("No such drop");
  });
}

export const action = () => methodNotAllowed("GET");
