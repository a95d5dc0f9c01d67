import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { ProductView } from "~/models/inventory";
import {
  displayNameSchema,
  MAX_LINES_PER_HOLD,
  MAX_QUANTITY_PER_LINE,
  reservationLineSchema,
  reservationStatuses,
  type ReservationView,
} from "~/models/reservation";
import { mergeLines } from "~/models/reservation.server";
import { wholeNumberQuery } from "./query-number.server";

// The JSON API's shapes. The request schemas here are the ones the routes
// validate with, and the OpenAPI document is generated from them (and from
// the response schemas, which the tests check real responses against), so
// the document cannot drift from the code.
extendZodWithOpenApi(z);

const reservationLine = reservationLineSchema.openapi("ReservationLine", {
  example: { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 },
});

// An integrator's customer: the id it knows them by (any printable text,
// kept only as a hash with the key), and the name the top-purchasers list
// shows. Only a request with an integrator key may name one.
export const customerSchema = z
  .object({
    id: z
      .string()
      .min(1, "must not be empty")
      .max(100, "must be at most 100 characters")
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces"),
    displayName: displayNameSchema.optional(),
  })
  .strict()
  .openapi("Customer", { example: { id: "customer-8812", displayName: "Asha K." } });

// Lines of one hold: one (product, warehouse) may come in several lines,
// which are one line of the hold, so their sum is what must fit a line.
const holdLines = z
  .array(reservationLine)
  .min(1)
  .max(MAX_LINES_PER_HOLD)
  .superRefine((lines, context) => {
    const tooMany = mergeLines(lines).find((line) => line.quantity > MAX_QUANTITY_PER_LINE);
    if (tooMany) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        message: `must ask for at most ${MAX_QUANTITY_PER_LINE} of ${tooMany.productId} from ${tooMany.warehouseId} in all`,
      });
    }
  });

const reserveItemsRequest = z
  .object({ items: holdLines, customer: customerSchema.optional() })
  .strict()
  .openapi("ReserveItemsRequest");

const reserveLineRequest = reservationLine
  .extend({ customer: customerSchema.optional() })
  .strict()
  .openapi("ReserveLineRequest");

export const reserveRequest = z.union([reserveLineRequest, reserveItemsRequest]).openapi("ReserveRequest");

const holdOfCart = reserveItemsRequest.transform(({ items, customer }) => ({ lines: items, customer }));
const holdOfOneLine = reserveLineRequest.transform(({ customer, ...line }) => ({ lines: [line], customer }));

// Picks the branch of the union by the body's shape, so an error names the
// field that is wrong rather than saying that no branch matched; either way
// the result is the list of lines and the customer, if one is named.
export function reserveRequestBody(body: unknown) {
  return typeof body === "object" && body !== null && "items" in body ? holdOfCart : holdOfOneLine;
}

// A change of a pending hold's lines: lines to add (all or nothing), or one
// line's new quantity, where 0 takes the line out.
export const addItemsRequest = z
  .object({ items: holdLines })
  .strict()
  .openapi("AddItemsRequest", {
    example: { items: [{ productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 }] },
  });

// built on the model's line rather than ReservationLine, whose quantity of
// at least 1 the document would otherwise add to this one
export const setItemRequest = reservationLineSchema
  .extend({
    quantity: z
      .number({ invalid_type_error: "must be a number" })
      .int("must be a whole number")
      .min(0, "must be at least 0")
      .max(MAX_QUANTITY_PER_LINE, `must be at most ${MAX_QUANTITY_PER_LINE}`)
      .openapi({ description: "The line's new quantity; 0 takes it out (and the last line out releases the hold)." }),
  })
  .strict()
  .openapi("SetItemRequest", { example: { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 2 } });

// confirm, release and extend take no body; `{}` is accepted too
export const emptyRequest = z.object({}).strict().openapi("EmptyRequest");

export const listProductsQuery = z
  .object({
    limit: wholeNumberQuery({ min: 1, max: 100 }).default(20),
    cursor: z.string().min(1).max(100).optional(),
  })
  .strict();

export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, "must be 1 to 255 visible ASCII characters")
  .openapi({ description: "Makes a retry safe: the same key and body replays the first response." });

const isoTime = z.string().datetime().openapi({ example: "2026-11-22T10:15:00.000Z" });

const stockLevel = z
  .object({
    warehouseId: z.string(),
    warehouseName: z.string(),
    total: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int(),
    available: z.number().int().openapi({ description: "Never counts a hold past its expiry." }),
  })
  .openapi("StockLevel");

export const product = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    priceCents: z.number().int().openapi({ description: "Price in minor units of `currency`." }),
    currency: z.string().length(3),
    imageUrl: z.string(),
    available: z.number().int(),
    stock: z.array(stockLevel),
  })
  .openapi("Product");

export const productList = z
  .object({ products: z.array(product), nextCursor: z.string().nullable() })
  .openapi("ProductList");

export const warehouse = z.object({ id: z.string(), name: z.string(), city: z.string() }).openapi("Warehouse");

const reservationItem = z
  .object({
    productId: z.string(),
    warehouseId: z.string(),
    quantity: z.number().int(),
    productName: z.string(),
    warehouseName: z.string(),
    priceCents: z.number().int(),
    currency: z.string(),
  })
  .openapi("ReservationItem");

export const reservation = z
  .object({
    id: z.string().uuid(),
    status: z.enum(reservationStatuses),
    expiresAt: isoTime,
    createdAt: isoTime,
    items: z.array(reservationItem),
    extensionsLeft: z.number().int(),
    releasedBy: z.enum(["holder", "shop"]).nullable().openapi({
      description: "Who released a released hold: its holder, or the shop (an operator); null otherwise",
    }),
  })
  .openapi("Reservation");

export const createdReservation = z
  .object({
    reservation,
    holdToken: z.string().openapi({
      description:
        "Sent once. Send it back as `Authorization: Bearer <holdToken>` to read, confirm, release or extend.",
    }),
  })
  .openapi("CreatedReservation");

export const errorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .openapi("Error");

export function toApiProduct(p: ProductView): z.infer<typeof product> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    priceCents: p.priceCents,
    currency: p.currency,
    imageUrl: p.imageUrl,
    available: p.available,
    stock: p.stock.map((s) => ({
      warehouseId: s.warehouseId,
      warehouseName: s.warehouseName,
      total: s.total,
      reserved: s.reserved,
      sold: s.sold,
      available: s.available,
    })),
  };
}

export function toApiReservation(r: ReservationView): z.infer<typeof reservation> {
  return {
    id: r.id,
    status: r.status,
    expiresAt: new Date(r.expiresAt).toISOString(),
    createdAt: new Date(r.createdAt).toISOString(),
    items: r.items.map((i) => ({
      productId: i.productId,
      warehouseId: i.warehouseId,
      quantity: i.quantity,
      productName: i.productName,
      warehouseName: i.warehouseName,
      priceCents: i.priceCents,
      currency: i.currency,
    })),
    extensionsLeft: r.extensionsLeft,
    releasedBy: r.releasedBy,
  };
}
