import { toApiReservation } from "~/models/api-contract.server";
import type { ChangeOutcome, ReserveOutcome } from "~/models/reservation.server";
import { apiError, apiJson } from "./api.server";

// Domain outcomes as HTTP answers: the statuses DESIGN.md lists.

export function reserveResponse(outcome: ReserveOutcome): Response {
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

const stateMessages = {
  confirmed: "This reservation is already confirmed",
  released: "This reservation was released",
  pending: "This reservation is still pending",
  expired: "This reservation has expired",
} as const;

export function changeResponse(outcome: ChangeOutcome): Response {
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
