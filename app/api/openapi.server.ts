import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import {
  apiKey,
  catalogueProduct,
  createApiKeyRequest,
  createdApiKey,
  createProductRequest,
  createWarehouseRequest,
  editProductRequest,
  editWarehouseRequest,
  eventsPage,
  exportEventsQuery,
  holdStats,
  listEventsQuery,
  listHoldsQuery,
  operatorReleaseRequest,
  repairRequest,
  restockRequest,
  restockResult,
  statsQuery,
} from "./admin-contract.server";
import {
  addItemsRequest,
  createdReservation,
  emptyRequest,
  errorBody,
  idempotencyKeyHeader,
  listProductsQuery,
  productList,
  product,
  reservation,
  reserveRequest,
  setItemRequest,
  warehouse,
} from "./api-contract.server";
import {
  createDropRequest,
  dropListResponse,
  dropResponse,
  dropViewResponse,
  editDropRequest,
  joinWaitlistRequest,
  waitlistEntryResponse,
  waitlistQuery,
} from "./drops-contract.server";
import { keyEventsPage, keyEventsQuery, resumeHeaders } from "./key-events-contract.server";

const json = (schema: z.ZodTypeAny, description: string): ResponseConfig => ({
  description,
  content: { "application/json": { schema } },
});
const error = (description: string) => json(errorBody, description);

const reservationId = z.object({ id: z.string().uuid() });
const asHolder = [{ holdToken: [] }];

function build() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "holdToken", {
    type: "http",
    scheme: "bearer",
    description: "The holdToken from the response that created the hold (or the browser session that made it).",
  });
  registry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An integrator key (hfk_…) an operator made. Holds made with it count against its own rate limit.",
  });

  registry.registerPath({
    method: "get",
    path: "/api/products",
    summary: "The catalogue, with available stock per warehouse",
    request: { query: listProductsQuery },
    responses: { 200: json(productList, "A page of products"), 400: error("Bad limit or cursor") },
  });
  registry.registerPath({
    method: "get",
    path: "/api/products/{id}",
    summary: "One product with stock by warehouse",
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: json(z.object({ product }), "The product"), 404: error("No such product") },
  });
  registry.registerPath({
    method: "get",
    path: "/api/warehouses",
    summary: "Warehouses",
    responses: { 200: json(z.object({ warehouses: z.array(warehouse) }), "Every warehouse") },
  });
  registry.registerPath({
    method: "post",
    path: "/api/reservations",
    summary: "Hold stock: one line, or several all-or-nothing",
    // anonymous, or with an integrator key
    security: [{}, { apiKey: [] }],
    request: {
      headers: z.object({ "Idempotency-Key": idempotencyKeyHeader.optional() }),
      body: { content: { "application/json": { schema: reserveRequest } } },
    },
    responses: {
      201: json(createdReservation, "Held"),
      400: error("Invalid body (the message names the field)"),
      401: error(
        "unauthorized: an hfk_ key that is unknown or revoked, or a customer named without a key; " +
          "customer_required: a drop's product, or one with a per-customer limit, needs a key and a customer",
      ),
      404: error("Unknown product or warehouse"),
      409: error(
        "insufficient_stock, product_archived (the shop no longer sells it), drop_not_started (details.startsAt), " +
          "drop_ended, customer_limit_reached (details: the limit, and what the customer holds and bought), " +
          "client_limit_reached, or idempotency_conflict (same key, other body)",
      ),
      413: error("Body over 64 KB"),
      425: error("idempotency_in_progress: the first request with this key is still running"),
      429: error("rate_limited (see Retry-After)"),
    },
  });
  const holderPath = (
    method: "get" | "post",
    path: string,
    summary: string,
    extra: Record<number, ResponseConfig>,
    idempotent = false,
  ) =>
    registry.registerPath({
      method,
      path,
      summary,
      security: asHolder,
      request: {
        params: reservationId,
        ...(idempotent ? { headers: z.object({ "Idempotency-Key": idempotencyKeyHeader.optional() }) } : {}),
        ...(method === "post"
          ? { body: { content: { "application/json": { schema: emptyRequest } }, required: false } }
          : {}),
      },
      responses: {
        200: json(z.object({ reservation }), "The reservation"),
        404: error("No such reservation for this holder"),
        ...extra,
      },
    });
  holderPath("get", "/api/reservations/{id}", "The holder's reservation, expiry applied", {});
  holderPath(
    "post",
    "/api/reservations/{id}/confirm",
    "Confirm (payment succeeded): the units are sold",
    {
      409: error("invalid_state (already confirmed or released), or idempotency_conflict"),
      410: error("reservation_expired"),
      425: error("idempotency_in_progress"),
    },
    true,
  );
  holderPath("post", "/api/reservations/{id}/release", "Release the hold: the units return", {
    409: error("invalid_state (already confirmed)"),
    410: error("reservation_expired"),
  });
  holderPath("post", "/api/reservations/{id}/extend", "More time to pay, within limits", {
    409: error("invalid_state, or extension_limit_reached"),
    410: error("reservation_expired"),
  });

  // a change of a pending hold's lines; the hold keeps its expiresAt
  const itemsRefusals = {
    400: error("Invalid body (the message names the field), or a malformed Idempotency-Key"),
    401: error(
      "unauthorized: an hfk_ key that is unknown or revoked; customer_required: more of a product with a " +
        "per-customer limit on a hold without a customer",
    ),
    404: error("No such reservation for this holder, or no such product in that warehouse"),
    409: error(
      "invalid_state (confirmed or released); insufficient_stock (details: each short line with the extra units " +
        "asked for and what is left); too_many_lines (details.limit); line_too_large (details: productId, " +
        "warehouseId, limit); drop_product (details.productIds: a drop's product joins only a hold made in its " +
        "drop); product_archived, drop_not_started, drop_ended, customer_limit_reached, client_limit_reached as " +
        "for a new hold; or idempotency_conflict (same key, other body)",
    ),
    410: error("reservation_expired"),
    413: error("Body over 64 KB"),
    415: error("unsupported_media_type: send application/json"),
    425: error("idempotency_in_progress: the first request with this key is still running"),
    429: error("rate_limited (see Retry-After)"),
  };
  const itemsChange = (method: "post" | "patch", summary: string, body: z.ZodTypeAny, answer: string) =>
    registry.registerPath({
      method,
      path: "/api/reservations/{id}/items",
      summary,
      security: [{ holdToken: [] }, { apiKey: [] }],
      request: {
        params: reservationId,
        headers: z.object({ "Idempotency-Key": idempotencyKeyHeader.optional() }),
        body: { content: { "application/json": { schema: body } } },
      },
      responses: { 200: json(z.object({ reservation }), answer), ...itemsRefusals },
    });
  itemsChange(
    "post",
    "Add lines to a pending hold, all or nothing (more of a line it has adds to it); never extends it",
    addItemsRequest,
    "The reservation with the lines added",
  );
  itemsChange(
    "patch",
    "Set one line's quantity: more is checked like a new hold, fewer frees units at once, 0 takes the line out",
    setItemRequest,
    "The reservation as it is now: released if its last line was taken out",
  );

  registry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN. Send X-Operator with your name: it is recorded on every change you make.",
  });
  // every admin write runs at most once per Idempotency-Key
  const retrySafe = { headers: z.object({ "Idempotency-Key": idempotencyKeyHeader.optional() }) };
  const retryRefusals = {
    425: error("idempotency_in_progress: the first request with this key is still running"),
  };
  registry.registerPath({
    method: "post",
    path: "/api/admin/stock",
    tags: ["admin"],
    summary: "Change a row's stock (received, correction, damaged, returned), with its ledger entry",
    security: [{ adminToken: [] }],
    request: { ...retrySafe, body: { content: { "application/json": { schema: restockRequest } } } },
    responses: {
      200: json(restockResult, "The row before and after"),
      400: error("validation_error"),
      401: error("unauthorized"),
      404: error("not_found: no such product or warehouse"),
      409: error("stock_below_committed: the new total is below what is held and sold; or idempotency_conflict"),
      429: error("rate_limited, or too many wrong tokens"),
      ...retryRefusals,
    },
  });

  const report = z.object({ report: z.unknown() }).openapi("ConsistencyReport");
  for (const method of ["get", "post"] as const) {
    registry.registerPath({
      method,
      path: "/api/admin/consistency",
      tags: ["admin"],
      summary: method === "get" ? "The newest consistency check's result" : "Check the books now",
      security: [{ adminToken: [] }],
      responses: { 200: json(report, "Rows checked and every violation"), 401: error("unauthorized") },
    });
  }
  registry.registerPath({
    method: "post",
    path: "/api/admin/consistency/repair",
    tags: ["admin"],
    summary: "Rebuild one row's reserved and sold from its holds, with an audit entry",
    security: [{ adminToken: [] }],
    request: { ...retrySafe, body: { content: { "application/json": { schema: repairRequest } } } },
    responses: {
      200: json(z.object({ repaired: z.unknown() }), "The row before and after"),
      401: error("unauthorized"),
      404: error("not_found"),
      409: error("stock_below_committed: restock first; or idempotency_conflict"),
      ...retryRefusals,
    },
  });

  registry.registerPath({
    method: "get",
    path: "/api/admin/holds",
    tags: ["admin"],
    summary: "Every shopper's holds, newest first, filtered, a page at a time",
    security: [{ adminToken: [] }],
    request: { query: listHoldsQuery },
    responses: {
      200: json(z.object({ holds: z.array(reservation), nextCursor: z.string().nullable() }), "A page of holds"),
      400: error("validation_error"),
      401: error("unauthorized"),
    },
  });
  registry.registerPath({
    method: "post",
    path: "/api/admin/holds/{id}/release",
    tags: ["admin"],
    summary: "Release a pending hold for the shop, with a reason",
    security: [{ adminToken: [] }],
    request: {
      ...retrySafe,
      params: reservationId,
      body: { content: { "application/json": { schema: operatorReleaseRequest } } },
    },
    responses: {
      200: json(z.object({ reservation }), "Released: the units are back on sale"),
      401: error("unauthorized"),
      404: error("not_found"),
      409: error("invalid_state: already paid for or released; or idempotency_conflict"),
      410: error("reservation_expired"),
      ...retryRefusals,
    },
  });

  // the catalogue: POST makes one, PATCH changes any field but the id
  const catalogueWrites = ({
    path,
    what,
    create,
    edit,
    result,
  }: {
    path: string;
    what: string;
    create: z.ZodTypeAny;
    edit: z.ZodTypeAny;
    result: z.ZodTypeAny;
  }) => {
    const refusals = {
      400: error("validation_error (the message names the field), or an unknown field such as id"),
      401: error("unauthorized"),
      413: error("Body over 64 KB"),
      415: error("unsupported_media_type: send application/json"),
      429: error("rate_limited, or too many wrong tokens"),
      ...retryRefusals,
    };
    registry.registerPath({
      method: "post",
      path,
      tags: ["admin"],
      summary: `Add a ${what}, with no stock yet; its id is for good`,
      security: [{ adminToken: [] }],
      request: { ...retrySafe, body: { content: { "application/json": { schema: create } } } },
      responses: {
        201: json(result, `The new ${what}`),
        ...refusals,
        409: error(`already_exists: there is a ${what} with that id; or idempotency_conflict`),
      },
    });
    registry.registerPath({
      method: "patch",
      path: `${path}/{id}`,
      tags: ["admin"],
      summary: `Change any of a ${what}'s fields but its id`,
      security: [{ adminToken: [] }],
      request: {
        ...retrySafe,
        params: z.object({ id: z.string() }),
        body: { content: { "application/json": { schema: edit } } },
      },
      responses: {
        200: json(result, `The ${what} as it is now`),
        ...refusals,
        404: error(`not_found: no such ${what}`),
      },
    });
  };
  catalogueWrites({
    path: "/api/admin/products",
    what: "product",
    create: createProductRequest,
    edit: editProductRequest,
    result: z.object({ product: catalogueProduct }),
  });
  catalogueWrites({
    path: "/api/admin/warehouses",
    what: "warehouse",
    create: createWarehouseRequest,
    edit: editWarehouseRequest,
    result: z.object({ warehouse }),
  });

  const keyRefusals = {
    401: error("unauthorized"),
    429: error("rate_limited, or too many wrong tokens"),
  };
  registry.registerPath({
    method: "get",
    path: "/api/admin/api-keys",
    tags: ["admin"],
    summary: "Every integrator key, revoked ones too, newest first (never the keys themselves)",
    security: [{ adminToken: [] }],
    responses: { 200: json(z.object({ apiKeys: z.array(apiKey) }), "The keys"), ...keyRefusals },
  });
  registry.registerPath({
    method: "post",
    path: "/api/admin/api-keys",
    tags: ["admin"],
    summary: "Make an integrator key; the key is in this answer only (stored as its SHA-256)",
    security: [{ adminToken: [] }],
    request: { ...retrySafe, body: { content: { "application/json": { schema: createApiKeyRequest } } } },
    responses: {
      201: json(createdApiKey, "The new key; a replay of this answer has key: null"),
      400: error("validation_error: name is 1 to 60 characters"),
      409: error("idempotency_conflict"),
      ...keyRefusals,
      ...retryRefusals,
    },
  });
  registry.registerPath({
    method: "delete",
    path: "/api/admin/api-keys/{id}",
    tags: ["admin"],
    summary: "Revoke an integrator key: it is refused (401) from now on, and stays listed",
    security: [{ adminToken: [] }],
    request: { ...retrySafe, params: z.object({ id: z.string().uuid() }) },
    responses: {
      200: json(z.object({ apiKey }), "The key, revoked"),
      404: error("not_found: no such key"),
      409: error("already_revoked (details.apiKey says when); or idempotency_conflict"),
      ...keyRefusals,
      ...retryRefusals,
    },
  });

  const eventsFilterNote =
    "Filtered by productId, warehouseId, type (comma-separated) and from/to (ISO 8601, from inclusive, to " +
    "exclusive); an event about a hold matches a product or warehouse through the hold's lines.";
  registry.registerPath({
    method: "get",
    path: "/api/admin/events",
    tags: ["admin"],
    summary: "The audit trail, newest first, a page at a time",
    description: eventsFilterNote,
    security: [{ adminToken: [] }],
    request: { query: listEventsQuery },
    responses: {
      200: json(eventsPage, "A page of events; nextCursor is null on the last"),
      400: error("validation_error, or an unknown parameter"),
      401: error("unauthorized"),
      429: error("too many wrong tokens"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/admin/events.csv",
    tags: ["admin"],
    summary: "The audit trail as a CSV download (RFC 4180), streamed",
    description: `${eventsFilterNote} Columns: id, time, type, product, warehouse, reservation, operator, reason, note, before_total, before_reserved, before_sold, after_total, after_reserved, after_sold, payload.`,
    security: [{ adminToken: [] }],
    request: { query: exportEventsQuery },
    responses: {
      200: { description: "Every matching event, newest first", content: { "text/csv": { schema: z.string() } } },
      400: error("validation_error, or an unknown parameter"),
      401: error("unauthorized"),
      429: error("too many wrong tokens"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/admin/stats",
    tags: ["admin"],
    summary: "Holds created, confirmed, released and expired in the last hour or day, with rates and a series",
    security: [{ adminToken: [] }],
    request: { query: statsQuery },
    responses: {
      200: json(holdStats, "The window's numbers, what is held now and the rows low on stock"),
      400: error("validation_error, or an unknown parameter"),
      401: error("unauthorized"),
      429: error("too many wrong tokens"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/api/drops",
    summary: "Live and upcoming drops, then the ones that ended: products, live stock, top purchasers",
    responses: { 200: json(dropListResponse, "The drops") },
  });
  registry.registerPath({
    method: "get",
    path: "/api/drops/{id}",
    summary: "One drop: products, live stock, how many wait, top purchasers",
    request: { params: z.object({ id: z.string() }) },
    responses: { 200: json(dropViewResponse, "The drop"), 404: error("No such drop") },
  });
  registry.registerPath({
    method: "post",
    path: "/api/drops/{id}/waitlist",
    summary: "A customer joins the waiting line for a live drop's product; units that come back are offered in order",
    security: [{ apiKey: [] }],
    request: {
      params: z.object({ id: z.string() }),
      body: { content: { "application/json": { schema: joinWaitlistRequest } } },
    },
    responses: {
      200: json(waitlistEntryResponse, "The customer's entry (joining twice changes nothing)"),
      400: error("validation_error"),
      401: error("unauthorized: no integrator key, or one unknown or revoked"),
      404: error("No such drop, or the product is not in it"),
      409: error("drop_not_live"),
      429: error("rate_limited (per key)"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/drops/{id}/waitlist/{customerId}",
    summary: "Where the key's customer stands in a drop's line, and the hold offered once there is one",
    security: [{ apiKey: [] }],
    request: {
      params: z.object({ id: z.string(), customerId: z.string() }),
      query: waitlistQuery,
    },
    responses: {
      200: json(waitlistEntryResponse, "The entry"),
      401: error("unauthorized"),
      404: error("Not in this drop's line"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/events",
    summary: "The key's event feed: what happened to its customers' holds, oldest first, from a cursor",
    description:
      "The holds made with this key: created, confirmed, released, expired, extended, offered and changed (its " +
      "lines), in id order, strictly after `after`. JSON a page at a time: pass `next` as `after` to go on. With " +
      "Accept: text/event-stream, a stream instead: everything after Last-Event-ID (else `after`, else now) is " +
      "replayed, then new events follow live, each an `event: reservation` frame whose SSE id is the event's id; " +
      "it ends when the key is revoked.",
    security: [{ apiKey: [] }],
    request: { query: keyEventsQuery, headers: resumeHeaders },
    responses: {
      200: {
        description: "A page of events, or the stream",
        content: {
          "application/json": { schema: keyEventsPage },
          "text/event-stream": {
            schema: z.string().openapi({ description: "Frames of event: reservation, data: a KeyEvent, id: its id" }),
          },
        },
      },
      400: error("validation_error: after, limit or Last-Event-ID malformed, or an unknown parameter"),
      401: error("unauthorized: no integrator key, or one unknown or revoked"),
      429: { description: "The stream: too many open from this client or on this server (see Retry-After)" },
    },
  });
  const dropRefusals = {
    400: error("validation_error (endsAt must be after startsAt)"),
    401: error("unauthorized"),
    404: error("not_found: no such drop, or a product that does not exist"),
    409: error("product_in_drop: a product is already in a drop that has not ended; or idempotency_conflict"),
    ...retryRefusals,
  };
  registry.registerPath({
    method: "post",
    path: "/api/admin/drops",
    tags: ["admin"],
    summary: "Make a drop (defaults: 60 s holds, 1 per customer, no extensions)",
    security: [{ adminToken: [] }],
    request: { ...retrySafe, body: { content: { "application/json": { schema: createDropRequest } } } },
    responses: { 201: json(dropResponse, "The drop"), ...dropRefusals },
  });
  registry.registerPath({
    method: "patch",
    path: "/api/admin/drops/{id}",
    tags: ["admin"],
    summary: "Change a drop: its window (decided against holds as they commit), products or terms",
    security: [{ adminToken: [] }],
    request: {
      ...retrySafe,
      params: z.object({ id: z.string() }),
      body: { content: { "application/json": { schema: editDropRequest } } },
    },
    responses: { 200: json(dropResponse, "The drop as it is now"), ...dropRefusals },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Holdfast API",
      version: "1",
      description:
        "Hold stock while a shopper pays, then confirm or release. Every response is Cache-Control: no-store; " +
        "every error is { error: { code, message } }.",
    },
  });
}

let document: ReturnType<typeof build> | undefined;

export function openApiDocument() {
  document ??= build();
  return document;
}
