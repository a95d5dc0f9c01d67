import type { AppLoadContext, LoaderFunctionArgs } from "@remix-run/node";
import { integratorKey } from "~/api/api-caller.server";
import { apiJson, guarded, methodNotAllowed, parseWith } from "~/api/api.server";
import { keyEventsQuery, MAX_KEY_EVENTS_PAGE, resumeHeaders, toApiKeyEvent } from "~/api/key-events-contract.server";
import { openLiveStream, type SseChannel } from "~/live/sse.server";
import { lastEventId, type HoldfastEvent } from "~/models/events.server";
import { isApiKeyLive, keyEventsIn, readKeyEvents, type KeyEvent } from "~/models/key-events.server";

// GET /api/events: what happened to the holds an integrator key's customers
// made, oldest first, from a cursor. JSON a page at a time by default; with
// Accept: text/event-stream, a stream that replays from the cursor and then
// goes on live, ending when the key is revoked.
export function loader({ request, context }: LoaderFunctionArgs) {
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
      const feed = keyEventFeed({ app, apiKeyId: key.apiKeyId, after });
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

// The stream replays from the database, then goes on with what the hub
// hears. The hub's listener is added first, so an event committed while the
// replay reads is heard by it: its batches wait until the replay is done.
// Where the two overlap (the replay reads past the hub's cursor), a frame
// goes out only if its id is past the last one sent, so each event is sent
// once, in order.
function keyEventFeed({ app, apiKeyId, after }: { app: AppLoadContext["app"]; apiKeyId: string; after: number }) {
  const { database, live, log } = app;
  return (channel: SseChannel) => {
    let sent = after;
    let ended = false;
    let replaying = true;
    const heardDuringReplay: HoldfastEvent[][] = [];

    const send = (events: KeyEvent[]) => {
      for (const event of events) {
        if (event.id <= sent) continue;
        channel.send({ event: "reservation", id: event.id, data: toApiKeyEvent(event) });
        sent = event.id;
      }
    };
    const hear = (batch: HoldfastEvent[]) => {
      const { events, revoked } = keyEventsIn(batch, apiKeyId);
      send(events);
      // no retry hint: the client's reconnect is answered 401
      if (revoked) channel.close();
    };
    const unobserve = live.observe((batch) => {
      if (replaying) heardDuringReplay.push(batch);
      else hear(batch);
    });
    // Watched like the console's stream only so that the hub ends this one
    // with the others when the process stops (with a reconnect hint); its
    // "something happened" messages are not needed, the events come above.
    const unwatch = live.watchEverything({ after: live.cursor(), stream: { send: () => {}, close: channel.close } });

    async function replay() {
      // the key was live when the request came in, but a revocation since
      // then may be older than what the hub hears from now on
      if (!(await isApiKeyLive({ database, id: apiKeyId }))) return channel.close();
      for (;;) {
        const page = await readKeyEvents({ database, apiKeyId, afterId: sent, limit: MAX_KEY_EVENTS_PAGE });
        if (ended) return;
        send(page);
        if (page.length < MAX_KEY_EVENTS_PAGE) break;
      }
      replaying = false;
      for (const batch of heardDuringReplay.splice(0)) hear(batch);
    }
    replay().catch((error: unknown) => {
      // the client reconnects with its Last-Event-ID and misses nothing
      log("key events: the replay failed", { level: "error", error: String(error) });
      channel.close();
    });

    return () => {
      ended = true;
      unobserve();
      unwatch();
    };
  };
}
