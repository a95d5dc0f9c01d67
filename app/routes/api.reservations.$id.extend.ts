import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed } from "~/api/api.server";
import { reservationChange } from "~/api/reservation-change.server";
import { extend } from "~/models/hold-changes.server";

// More time to pay, a fixed number of times and never past the hard cap.
export const action = (args: ActionFunctionArgs) => reservationChange(args, extend);

export const loader = () => methodNotAllowed("POST");
