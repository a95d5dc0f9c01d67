import { integratorKey } from "~/api/api-caller.server";
import { apiJson, guarded, methodNotAllowed, parseWith, type ApiArgs } from "~/api/api.server";
import { keyEventsQuery, resumeHeaders, toApiKeyEvent } from "~/api/key-events-contract.server";
import { keyEventFeed } from "~/live/key-event-feed.server";
import { openLiveStream } from "~/live/sse.server";
import { lastEventId } from "~/models/events.server";
import { readKeyEvents } from "~/models/key-events.server";

// GET /api/events: what happened to the holds an integrator key's customers
// made, oldest first, from a cursor. JSON a page at a time by default; with
// Accept: text/event-stream, a stream that replays from the cursor and then
// goes on live, ending when the key is revoked.
export function loader({ request, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    const key = await integratorKey(request, context);
    if (!key.ok) return key.response;
    const query = parseWith(keyEventsQuery, Object.fromEntries(new URL(request.url).searchParams));
    if (!query.ok) return query.response;
    // A HEAD's body is never read, so a stream opened for one would never
    // end: it gets the JSON answer's head instead.
    if (request.method === "GET" && /text\/event-stream/i.test(request.headers.get("Accept") ?? "")) {
      // a malformed Last-Event-ID is refused rather than read as "from now",
      // which would skip what the client missed
      const resume = parseWith(resumeHeaders, { "Last-Event-ID": request.headers.get("Last-Event-ID") ?? undefined });
      if (!resume.ok) return resume.response;
      // without either, from now: the newest event stored (the hub's cursor
      // may be a tick behind it)
      const after = resume.data["Last-Event-ID"] ?? query.data.after ?? (await lastEventId(app.database));
      const feed = keyEventFeed({ app, apiKeyId: key.apiKeyId, after, present: toApiKeyEvent });
      return openLiveStream(context, request, feed);
    }
    const after = query.data.after ?? 0;
    const events = await readKeyEvents({
      database: app.database,
      apiKeyId: key.apiKeyId,
      afterId: after,
      limit: query.data.limit,
    });
    return apiJson({ events: events.map(toApiKeyEvent), next: events.at(-1)?.id ?? after });
  });
}

export const action = () => methodNotAllowed("GET");
