import { methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { reservationChange } from "~/api/reservation-change.server";
import { release } from "~/models/hold-changes.server";

// The shopper gave up: the units go back on sale. Releasing twice is fine.
export const action = (args: ApiArgs) => reservationChange(args, release);

export const loader = () => methodNotAllowed("POST");
