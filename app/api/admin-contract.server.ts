import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { ApiKeySummary } from "~/models/api-keys.server";
import type { CatalogueProduct } from "~/models/catalogue.server";
import type { HoldfastEvent } from "~/models/events.server";
import { ID_PATTERN, reservationStatuses } from "~/models/reservation";
import { restockReasons } from "~/models/restock.server";
import { statsWindows, type HoldStats } from "~/models/stats.server";
import { wholeNumberQuery } from "./query-number.server";

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
    expiringWithinSeconds: wholeNumberQuery({ min: 1, max: 24 * 3600 }).optional(),
    cursor: z.string().uuid("must be a hold's id").optional(),
    limit: wholeNumberQuery({ min: 1, max: 100 }).default(50),
  })
  .strict()
  .openapi("ListHoldsQuery");

export const operatorReleaseRequest = z
  .object({ reason: z.string().trim().min(1, "say why").max(200, "must be at most 200 characters") })
  .strict()
  .openapi("OperatorReleaseRequest", { example: { reason: "payment provider outage; shopper asked" } });

// The catalogue. Ids are chosen once, when a product or warehouse is made,
// and never change (holds, stock rows and links name things by them): an
// edit that sends `id` is refused as an unknown field.
const MAX_PRICE_CENTS = 10_000_000_000;

const text = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

// A picture on this site, like the seed's /images/products/<id>.svg (drawn
// by the shop itself): the pages' Content-Security-Policy loads images from
// 'self' only, so one on another host would never show. "//host" and
// "/\host" name another host, so the second character may be neither; and
// no spaces or control characters, which browsers strip or refuse.
const imageUrl = z
  .string()
  .max(500, "must be at most 500 characters")
  .regex(/^\/(?![/\\])[\x21-\x7e]*$/, "must be a path on this site, such as /images/products/lamp.svg");

const productFields = {
  name: text(120),
  description: text(2000),
  priceCents: z
    .number()
    .int("must be a whole number")
    .min(0, "must be at least 0")
    .max(MAX_PRICE_CENTS)
    .openapi({ description: "Price in minor units of `currency`." }),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be a currency code: three capital letters, such as INR"),
  imageUrl,
  category: text(60),
  lowStockThreshold: z
    .number()
    .int("must be a whole number")
    .min(0, "must be at least 0")
    .max(MAX_UNITS)
    .openapi({ description: "A row is low on stock at or below this many available units." }),
  archived: z.boolean().openapi({ description: "Hidden from the shop and refused new holds; its holds run out." }),
  maxPerCustomer: z.number().int("must be a whole number").min(0, "must be at least 0").max(MAX_UNITS).openapi({
    description:
      "Units one customer may have in pending and paid holds (0: no limit). A hold on it then needs a customer.",
  }),
};

const changesSomething = (body: object) => Object.keys(body).length > 0;
const nothingToChange = { message: "send at least one field to change" };

export const createProductRequest = z
  .object({
    id,
    ...productFields,
    lowStockThreshold: productFields.lowStockThreshold.optional().openapi({ description: "5 when left out." }),
    archived: productFields.archived.optional().openapi({ description: "false when left out." }),
    maxPerCustomer: productFields.maxPerCustomer.optional().openapi({ description: "0 (no limit) when left out." }),
  })
  .strict()
  .openapi("CreateProductRequest", {
    example: {
      id: "cedar-desk-lamp",
      name: "Cedar Desk Lamp",
      description: "A warm lamp in oiled cedar.",
      priceCents: 349900,
      currency: "INR",
      imageUrl: "/images/products/cedar-desk-lamp.svg",
      category: "Desk",
      lowStockThreshold: 3,
    },
  });

export const editProductRequest = z
  .object(productFields)
  .partial()
  .strict()
  .refine(changesSomething, nothingToChange)
  .openapi("EditProductRequest", { example: { archived: true } });

export const catalogueProduct = z
  .object({
    id: z.string(),
    ...productFields,
    createdAt: z.string().datetime(),
  })
  .openapi("CatalogueProduct");

export function toApiCatalogueProduct(p: CatalogueProduct): z.infer<typeof catalogueProduct> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    priceCents: p.priceCents,
    currency: p.currency,
    imageUrl: p.imageUrl,
    category: p.category,
    lowStockThreshold: p.lowStockThreshold,
    archived: p.archived,
    maxPerCustomer: p.maxPerCustomer,
    createdAt: new Date(p.createdAt).toISOString(),
  };
}

const warehouseFields = { name: text(100), city: text(100) };

export const createWarehouseRequest = z
  .object({ id, ...warehouseFields })
  .strict()
  .openapi("CreateWarehouseRequest", { example: { id: "pnq-01", name: "Pune", city: "Pune" } });

export const editWarehouseRequest = z
  .object(warehouseFields)
  .partial()
  .strict()
  .refine(changesSomething, nothingToChange)
  .openapi("EditWarehouseRequest", { example: { name: "Pune (Hinjewadi)" } });

// Integrator keys. The key itself is in the answer that made it and
// nowhere else: not in the list, not in a replay.
export const createApiKeyRequest = z
  .object({ name: text(60).openapi({ description: "Who the key is for, as the console lists it." }) })
  .strict()
  .openapi("CreateApiKeyRequest", { example: { name: "Payments service" } });

const isoOrNull = z.string().datetime().nullable();

export const apiKey = z
  .object({
    id: z.string().uuid(),
    name: z.string(),
    createdAt: z.string().datetime(),
    lastUsedAt: isoOrNull.openapi({ description: "To the minute; null if never used." }),
    revokedAt: isoOrNull,
  })
  .openapi("ApiKey");

export const createdApiKey = z
  .object({
    apiKey: apiKey.pick({ id: true, name: true, createdAt: true }),
    key: z.string().nullable().openapi({
      description: "hfk_…: send it as Authorization: Bearer. Shown once; null in an Idempotency-Key replay.",
    }),
  })
  .openapi("CreatedApiKey");

export function toApiKey(k: ApiKeySummary): z.infer<typeof apiKey> {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: k.id,
    name: k.name,
    createdAt: new Date(k.createdAt).toISOString(),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
  };
}

// The audit trail and the statistics. Times in a query are ISO 8601 with a
// zone (2026-11-22T10:15:00Z); `from` is inclusive, `to` exclusive.
const queryTime = z
  .string()
  .datetime({ offset: true, message: "must be an ISO 8601 time with a zone, such as 2026-11-22T10:15:00Z" })
  .transform((t) => Date.parse(t));

const eventsFilter = {
  productId: id.optional(),
  warehouseId: id.optional(),
  type: z
    .string()
    .max(500, "must be at most 500 characters")
    .regex(/^[a-z_]{1,40}(,[a-z_]{1,40})*$/, "must be event types, comma-separated, such as stock_adjusted")
    .transform((types) => types.split(","))
    .optional()
    .openapi({ description: "One event type, or several comma-separated: any of them matches." }),
  from: queryTime.optional(),
  to: queryTime.optional(),
};
const fromBeforeTo = (q: { from?: number; to?: number }) => q.from === undefined || q.to === undefined || q.from < q.to;
const toAfterFrom = { message: "must be after from", path: ["to"] };

export const listEventsQuery = z
  .object({
    ...eventsFilter,
    cursor: z
      .string()
      .regex(/^[1-9]\d{0,15}$/, "must be an event's id")
      .transform(Number)
      .optional(),
    limit: wholeNumberQuery({ min: 1, max: 500 }).default(100),
  })
  .strict()
  .refine(fromBeforeTo, toAfterFrom)
  .openapi("ListEventsQuery");

export const exportEventsQuery = z.object(eventsFilter).strict().refine(fromBeforeTo, toAfterFrom);

export const auditEvent = z
  .object({
    id: z.number().int(),
    type: z.string(),
    createdAt: z.string().datetime(),
    reservationId: z.string().nullable(),
    productId: z.string().nullable(),
    warehouseId: z.string().nullable(),
    payload: z.record(z.unknown()),
  })
  .openapi("AuditEvent");

export const eventsPage = z
  .object({ events: z.array(auditEvent), nextCursor: z.string().nullable() })
  .openapi("EventsPage");

export function toApiEvent(e: HoldfastEvent): z.infer<typeof auditEvent> {
  return {
    id: e.id,
    type: e.type,
    createdAt: new Date(e.createdAt).toISOString(),
    reservationId: e.reservationId,
    productId: e.productId,
    warehouseId: e.warehouseId,
    payload: e.payload,
  };
}

export const statsQuery = z
  .object({ window: z.enum(statsWindows).default("1h") })
  .strict()
  .openapi("StatsQuery");

const holdCounts = {
  created: z.number().int(),
  confirmed: z.number().int(),
  released: z.number().int(),
  expired: z.number().int(),
};
const rate = z.number().min(0).max(1).nullable();

export const holdStats = z
  .object({
    window: z.enum(statsWindows),
    from: z.string().datetime().openapi({ description: "The first bucket's start" }),
    now: z.string().datetime(),
    bucketSeconds: z.number().int().openapi({ description: "60 for 1h, 900 for 24h" }),
    holds: z.object({ ...holdCounts, ended: z.number().int() }),
    conversionRate: rate.openapi({ description: "confirmed / ended; null when nothing ended" }),
    expiryRate: rate.openapi({ description: "expired / ended; null when nothing ended" }),
    medianSecondsToPay: z.number().nullable(),
    pending: z.object({ holds: z.number().int(), units: z.number().int() }),
    lowStock: z.array(
      z.object({
        productId: z.string(),
        productName: z.string(),
        warehouseId: z.string(),
        warehouseName: z.string(),
        available: z.number().int(),
        threshold: z.number().int(),
      }),
    ),
    series: z.array(z.object({ start: z.string().datetime(), ...holdCounts })),
  })
  .openapi("HoldStats");

export function toApiStats(s: HoldStats): z.infer<typeof holdStats> {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    window: s.window,
    from: iso(s.from),
    now: iso(s.now),
    bucketSeconds: s.bucketMs / 1000,
    holds: s.holds,
    conversionRate: s.conversionRate,
    expiryRate: s.expiryRate,
    medianSecondsToPay: s.medianSecondsToPay,
    pending: s.pending,
    lowStock: s.lowStock,
    series: s.series.map((b) => ({ ...b, start: iso(b.start) })),
  };
}
