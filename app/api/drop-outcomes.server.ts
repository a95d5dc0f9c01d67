import type { DropOutcome } from "~/models/drops.server";
import { apiError, type ApiReply } from "./api.server";

// A drop the write refused, as the API's answer.
export function dropRefusal(outcome: Exclude<DropOutcome, { ok: true }>): ApiReply {
  switch (outcome.code) {
    case "not_found":
      return outcome.missing.length > 0
        ? apiError(404, "not_found", `No such product: ${outcome.missing.join(", ")}`)
        : apiError(404, "not_found", "No such drop");
    case "product_in_drop":
      return apiError(
        409,
        "product_in_drop",
        `Already in a drop that has not ended: ${outcome.productIds.join(", ")}. End that drop or take them out of it first.`,
        { details: { productIds: outcome.productIds } },
      );
    case "invalid_window":
      return apiError(400, "validation_error", "endsAt: must be after startsAt");
  }
}
