import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { DROP_DEFAULTS, type Drop } from "~/models/drop";
import type { DropView } from "~/models/drop-views.server";
import { ID_PATTERN } from "~/models/reservation";
import { customerSchema } from "./api-contract.server";

// Drops' shapes: what operators send to make and change one, what anyone
// reads of them, and the waiting line's requests. The OpenAPI document is
// generated from these.
extendZodWithOpenApi(z);

const id = z.string().regex(ID_PATTERN, "must be an id: letters, digits, '-' and '_'");
const instant = z
  .string()
  .datetime({ offset: true, message: "must be an ISO 8601 time, such as 2026-12-24T18:00:00Z" })
  .transform((text) => Date.parse(text))
  .openapi({ type: "string", format: "date-time" });

const dropFields = {
  name: z.string().trim().min(1, "must not be empty").max(80, "must be at most 80 characters"),
  productIds: z
    .array(id)
    .min(1, "name at least one product")
    .max(50, "at most 50 products")
    .refine((ids) => new Set(ids).size === ids.length, "each product once"),
  startsAt: instant,
  endsAt: instant.nullable().openapi({ description: "null: open until an operator sets an end." }),
  holdTtlSeconds: z.number().int("must be a whole number").min(10, "must be at least 10").max(3600).openapi({
    description: "How long a hold on the drop's products lasts (a hold mixing products takes the shortest).",
  }),
  maxPerCustomer: z.number().int("must be a whole number").min(1, "must be at least 1").max(1000).openapi({
    description: "Units one customer may hold and buy of each of the drop's products.",
  }),
  extensions: z.number().int("must be a whole number").min(0).max(5, "must be at most 5"),
};

const windowInOrder = (d: { startsAt?: number; endsAt?: number | null }) =>
  d.endsAt === undefined || d.endsAt === null || d.startsAt === undefined || d.endsAt > d.startsAt;
const endsAfterStart = { message: "must be after startsAt", path: ["endsAt"] };

export const createDropRequest = z
  .object({
    ...dropFields,
    endsAt: dropFields.endsAt.optional(),
    holdTtlSeconds: dropFields.holdTtlSeconds.default(DROP_DEFAULTS.holdTtlSeconds),
    maxPerCustomer: dropFields.maxPerCustomer.default(DROP_DEFAULTS.maxPerCustomer),
    extensions: dropFields.extensions.default(DROP_DEFAULTS.extensions),
  })
  .strict()
  .refine(windowInOrder, endsAfterStart)
  .transform((d) => ({ ...d, endsAt: d.endsAt ?? null }))
  .openapi("CreateDropRequest", {
    example: {
      name: "Aurora launch",
      productIds: ["aurora-headphones"],
      startsAt: "2026-12-24T18:00:00Z",
      endsAt: "2026-12-24T19:00:00Z",
    },
  });

export const editDropRequest = z
  .object(dropFields)
  .partial()
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "send at least one field to change" })
  .refine(windowInOrder, endsAfterStart)
  .openapi("EditDropRequest", { example: { endsAt: "2026-12-24T19:30:00Z" } });

const drop = z
  .object({
    id: z.string(),
    name: z.string(),
    productIds: z.array(z.string()),
    startsAt: z.string(),
    endsAt: z.string().nullable(),
    holdTtlSeconds: z.number(),
    maxPerCustomer: z.number(),
    extensions: z.number(),
    phase: z.enum(["upcoming", "live", "ended"]),
    createdAt: z.string(),
  })
  .openapi("Drop");

export const dropResponse = z.object({ drop });

const dropView = drop
  .extend({
    products: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        priceCents: z.number(),
        currency: z.string(),
        imageUrl: z.string(),
        available: z.number(),
        waiting: z.number().openapi({ description: "Customers in its waiting line now." }),
      }),
    ),
    topPurchasers: z.array(z.object({ displayName: z.string(), units: z.number() })).openapi({
      description: "The three customers with the most units bought, earliest first on a tie.",
    }),
  })
  .openapi("DropView");

export const dropViewResponse = z.object({ drop: dropView });
export const dropListResponse = z.object({ drops: z.array(dropView) });

export function toApiDrop(d: Drop): z.infer<typeof drop> {
  return {
    id: d.id,
    name: d.name,
    productIds: d.productIds,
    startsAt: new Date(d.startsAt).toISOString(),
    endsAt: d.endsAt === null ? null : new Date(d.endsAt).toISOString(),
    holdTtlSeconds: d.holdTtlSeconds,
    maxPerCustomer: d.maxPerCustomer,
    extensions: d.extensions,
    phase: d.phase,
    createdAt: new Date(d.createdAt).toISOString(),
  };
}

export function toApiDropView(d: DropView): z.infer<typeof dropView> {
  return {
    ...toApiDrop(d),
    products: d.products.map((p) => ({
      id: p.id,
      name: p.name,
      priceCents: p.priceCents,
      currency: p.currency,
      imageUrl: p.imageUrl,
      available: p.available,
      waiting: p.waiting,
    })),
    topPurchasers: d.topPurchasers.map(({ displayName, units }) => ({ displayName, units })),
  };
}

export const joinWaitlistRequest = z
  .object({ productId: id, customer: customerSchema })
  .strict()
  .openapi("JoinWaitlistRequest", {
    example: { productId: "aurora-headphones", customer: { id: "customer-8812", displayName: "Asha K." } },
  });

export const waitlistQuery = z.object({ productId: id.optional() }).strict();

const waitlistEntry = z
  .object({
    productId: z.string(),
    status: z.enum(["waiting", "offered", "lapsed"]),
    position: z.number().nullable().openapi({ description: "1 is next; null once out of the line." }),
    reservationId: z.string().nullable().openapi({ description: "The hold offered, once one was." }),
  })
  .openapi("WaitlistEntry");

export const waitlistEntryResponse = z.object({ entry: waitlistEntry });
