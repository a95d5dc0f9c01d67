import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { ID_PATTERN, reservationStatuses } from "~/models/reservation";
import { restockReasons } from "~/models/restock.server";

// The admin API's shapes: what operators send, validated by these schemas,
// which the OpenAPI document is also generated from.
extendZodWithOpenApi(z);

const id = z.string().regex(ID_PATTERN, "must be an id: letters, digits, '-' and '_'");
const MAX_UNITS = 1_000_000;

export const restockRequest = z
  .object({
    productId: id,
    warehouseId: id,
    // a change to the current total, or the new total itself
    delta: z.number().int("must be a whole number").min(-MAX_UNITS).max(MAX_UNITS).optional(),
    total: z.number().int("must be a whole number").min(0, "must be at least 0").max(MAX_UNITS).optional(),
    reason: z.enum(restockReasons),
    note: z.string().max(500, "must be at most 500 characters").optional(),
  })
  .strict()
  .refine((body) => (body.delta === undefined) !== (body.total === undefined), {
    message: "send exactly one of delta and total",
  })
  .openapi("RestockRequest", {
    example: { productId: "aurora-headphones", warehouseId: "blr-01", delta: 40, reason: "received", note: "PO 1182" },
  });

export const repairRequest = z.object({ productId: id, warehouseId: id }).strict().openapi("RepairRequest");

const counts = z.object({ total: z.number().int(), reserved: z.number().int(), sold: z.number().int() });

export const restockResult = z
  .object({
    stock: z.object({ productId: z.string(), warehouseId: z.string(), before: counts.nullable(), after: counts }),
  })
  .openapi("RestockResult");

export const listHoldsQuery = z
  .object({
    status: z.enum(reservationStatuses).optional(),
    productId: id.optional(),
    warehouseId: id.optional(),
    expiringWithinSeconds: z.coerce
      .number()
      .int("must be a whole number")
      .min(1)
      .max(24 * 3600)
      .optional(),
    cursor: z.string().uuid("must be a hold's id").optional(),
    limit: z.coerce.number().int("must be a whole number").min(1).max(100).default(50),
  })
  .strict()
  .openapi("ListHoldsQuery");

export const operatorReleaseRequest = z
  .object({ reason: z.string().trim().min(1, "say why").max(200, "must be at most 200 characters") })
  .strict()
  .openapi("OperatorReleaseRequest", { example: { reason: "payment provider outage; shopper asked" } });
