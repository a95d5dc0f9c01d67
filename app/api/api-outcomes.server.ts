import type { AppLoadContext } from "@remix-run/node";
import { toApiReservation } from "~/api/api-contract.server";
import { takeWrite } from "~/http/rate-limit.server";
import type { ChangeOutcome } from "~/models/hold-changes.server";
import type { ItemsChangeOutcome } from "~/models/hold-items.server";
import type { CustomerLimit } from "~/models/reservation";
import type { ClientLimit, ReserveOutcome } from "~/models/reservation.server";
import { apiError, apiJson, type ApiReply } from "./api.server";

// Domain outcomes as HTTP answers, with the statuses README.md lists.

export function reserveResponse(outcome: ReserveOutcome): ApiReply {
  if (outcome.ok) {
    return apiJson(
      { reservation: toApiReservation(outcome.reservation), holdToken: outcome.holdToken },
      { status: 201, headers: { Location: `/api/reservations/${outcome.reservation.id}` } },
    );
  }
  if (outcome.code === "not_found") {
    const what = outcome.missing.map((l) => `${l.productId} at ${l.warehouseId}`).join(", ");
    return apiError(404, "not_found", `No such product in that warehouse: ${what}`);
  }
  if (outcome.code === "product_archived") {
    const what = [...new Set(outcome.archived.map((l) => l.productId))].join(", ");
    return apiError(409, "product_archived", `No longer sold: ${what}`, {
      details: outcome.archived.map((l) => ({ productId: l.productId, warehouseId: l.warehouseId })),
    });
  }
  if (outcome.code === "client_limit_reached") {
    const { limit } = outcome;
    return apiError(409, "client_limit_reached", clientLimitMessage(limit), { details: limit });
  }
  if (outcome.code === "drop_not_started") {
    const startsAt = new Date(outcome.startsAt).toISOString();
    return apiError(409, "drop_not_started", `This drop opens at ${startsAt}; nothing can be held before then`, {
      details: { dropId: outcome.dropId, startsAt },
    });
  }
  if (outcome.code === "drop_ended") {
    const endsAt = new Date(outcome.endsAt).toISOString();
    return apiError(409, "drop_ended", `This drop ended at ${endsAt}`, { details: { dropId: outcome.dropId, endsAt } });
  }
  if (outcome.code === "customer_required") {
    return apiError(
      401,
      "customer_required",
      `Holds on ${outcome.productIds.join(", ")} are per customer: send an integrator key and a customer`,
      { details: { productIds: outcome.productIds }, headers: { "WWW-Authenticate": "Bearer" } },
    );
  }
  if (outcome.code === "customer_limit_reached") {
    return apiError(409, "customer_limit_reached", customerLimitMessage(outcome.limit), { details: outcome.limit });
  }
  const what = outcome.short
    .map((l) => {
      const where = l.stock.find((s) => s.warehouseId === l.warehouseId)?.warehouseName ?? l.warehouseId;
      return `${l.productId} at ${where} has ${l.available} left (asked for ${l.quantity})`;
    })
    .join("; ");
  return apiError(409, "insufficient_stock", `Not enough stock: ${what}`, {
    details: outcome.short.map((l) => ({
      productId: l.productId,
      warehouseId: l.warehouseId,
      requested: l.quantity,
      available: l.available,
    })),
  });
}

// "You already hold 10 of the 10 holds one client may have at once; pay
// for or cancel one first."
function clientLimitMessage(limit: ClientLimit): string {
  const who = limit.scope === "client" ? "one client" : "everyone on your network together";
  const what = limit.measure === "holds" ? "holds" : "units on hold";
  return (
    `At most ${limit.limit} ${what} at once for ${who}: ${limit.pending} already, ` +
    `${limit.requested} more asked for. Pay for or cancel a hold first.`
  );
}

// "This customer may have 1 of limited-tee: 1 bought already, 1 more asked for."
function customerLimitMessage(limit: CustomerLimit): string {
  if (limit.measure === "holds") {
    return `A customer may have ${limit.limit} holds at once and this one has ${limit.pending}: pay for or cancel one first`;
  }
  return (
    `A customer may have ${limit.limit} of ${limit.productId}: ${limit.pending} on hold and ` +
    `${limit.confirmed} bought already, ${limit.requested} more asked for`
  );
}

// The caller's rate limit, taken for one write: null to go ahead, else the
// 429 to answer.
export function admitWrite(context: AppLoadContext, { apiKeyId }: { apiKeyId?: string } = {}): ApiReply | null {
  const retryAfter = takeWrite(context, { apiKeyId });
  if (retryAfter === null) return null;
  const from = apiKeyId === undefined ? "this address" : "this API key";
  return apiError(429, "rate_limited", `Too many requests from ${from}; try again in ${retryAfter} s`, {
    headers: { "Retry-After": String(retryAfter) },
  });
}

const stateMessages = {
  confirmed: "This reservation is already confirmed",
  released: "This reservation was released",
  pending: "This reservation is still pending",
  expired: "This reservation has expired",
} as const;

export function changeResponse(outcome: ChangeOutcome): ApiReply {
  if (outcome.ok) return apiJson({ reservation: toApiReservation(outcome.reservation) });
  switch (outcome.code) {
    case "not_found":
      return apiError(404, "not_found", "No such reservation");
    case "reservation_expired":
      return apiError(410, "reservation_expired", "This hold has expired; its units went back on sale", {
        details: { reservation: toApiReservation(outcome.reservation) },
      });
    case "extension_limit_reached":
      return apiError(409, "extension_limit_reached", "This hold cannot be extended any further", {
        details: { reservation: toApiReservation(outcome.reservation) },
      });
    case "invalid_state":
      return apiError(409, "invalid_state", stateMessages[outcome.reservation.status], {
        details: { reservation: toApiReservation(outcome.reservation) },
      });
  }
}

// A change of a hold's lines: the hold's own refusals as for confirm, and
// the units it asks for refused in exactly a new hold's words.
export function itemsChangeResponse(outcome: ItemsChangeOutcome): ApiReply {
  if (outcome.ok) return apiJson({ reservation: toApiReservation(outcome.reservation) });
  switch (outcome.code) {
    case "not_found":
    case "reservation_expired":
    case "invalid_state":
      return changeResponse(outcome);
    case "too_many_lines":
      return apiError(409, "too_many_lines", `A hold has at most ${outcome.limit} lines`, {
        details: { limit: outcome.limit },
      });
    case "line_too_large": {
      const { productId, warehouseId, limit } = outcome;
      return apiError(
        409,
        "line_too_large",
        `At most ${limit} of ${productId} from ${warehouseId} in one hold; this change would take more`,
        { details: { productId, warehouseId, limit } },
      );
    }
    case "drop_product":
      return apiError(
        409,
        "drop_product",
        `Sold in a drop, so held only in a hold made in the drop, not added to this one: ${outcome.productIds.join(", ")}`,
        { details: { productIds: outcome.productIds } },
      );
    case "lines_refused":
      return reserveResponse(outcome.refusal);
  }
}
