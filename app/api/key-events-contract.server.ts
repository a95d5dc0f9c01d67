import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { keyEventTypes, type KeyEvent } from "~/models/key-events.server";
import { reservationStatuses } from "~/models/reservation";
import { wholeNumberQuery } from "./query-number.server";

// The integrator key's event feed: its query, its cursor and its events.
// The OpenAPI document is generated from these.
extendZodWithOpenApi(z);

const MAX_KEY_EVENTS_PAGE = 500;

// An event id, as a query value or a Last-Event-ID; 15 digits stay exact in
// a JavaScript number.
const eventCursor = z
  .string()
  .regex(/^\d{1,15}$/, "must be an event id: a whole number, 0 or more")
  .transform(Number);

export const keyEventsQuery = z
  .object({
    after: eventCursor.optional().openapi({
      description:
        "Events after this one: the `next` of the previous page, or an event's id. JSON starts at 0 without it, " +
        "a stream at now.",
    }),
    limit: wholeNumberQuery({ min: 1, max: MAX_KEY_EVENTS_PAGE })
      .default(100)
      .openapi({ description: "Events per page (JSON only; a stream replays in pages of its own)." }),
  })
  .strict()
  .openapi("KeyEventsQuery");

// An EventSource sends back the last id it was given when it reconnects.
export const resumeHeaders = z.object({
  "Last-Event-ID": eventCursor.optional().openapi({ description: "A stream resumes after it (it wins over `after`)." }),
});

const isoTime = z.string().datetime().openapi({ example: "2026-11-22T10:15:00.000Z" });

const keyEvent = z
  .object({
    id: z.number().int().openapi({ description: "The event's id: the cursor, and the SSE id of its frame" }),
    type: z.enum(keyEventTypes),
    reservationId: z.string().uuid(),
    status: z.enum(reservationStatuses).openapi({ description: "The hold's status after this event" }),
    expiresAt: isoTime,
    items: z.array(z.object({ productId: z.string(), warehouseId: z.string(), quantity: z.number().int() })),
    createdAt: isoTime,
  })
  .openapi("KeyEvent");

export const keyEventsPage = z
  .object({
    events: z.array(keyEvent),
    next: z.number().int().openapi({ description: "Pass as `after` next time: the last event's id, or `after`" }),
  })
  .openapi("KeyEventsPage");

export function toApiKeyEvent(e: KeyEvent): z.infer<typeof keyEvent> {
  return {
    id: e.id,
    type: e.type,
    reservationId: e.reservationId,
    status: e.status,
    expiresAt: new Date(e.expiresAt).toISOString(),
    items: e.items,
    createdAt: new Date(e.createdAt).toISOString(),
  };
}
