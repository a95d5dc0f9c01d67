import { methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { reservationChange } from "~/api/reservation-change.server";
import { confirm } from "~/models/hold-changes.server";

// Payment succeeded: sell the held units. Safe to retry with Idempotency-Key.
export const action = (args: ApiArgs) => reservationChange(args, confirm, { idempotent: true });

export const loader = () => methodNotAllowed("POST");
