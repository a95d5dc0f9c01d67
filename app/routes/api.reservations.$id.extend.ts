import { methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { reservationChange } from "~/api/reservation-change.server";
import { extend } from "~/models/hold-changes.server";

// More time to pay, a fixed number of times and never past the hard cap.
export const action = (args: ApiArgs) => reservationChange(args, extend);

export const loader = () => methodNotAllowed("POST");
