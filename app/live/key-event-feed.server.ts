import type { AppLoadContext } from "@remix-run/node";
import type { HoldfastEvent } from "~/models/events.server";
import { isApiKeyLive, keyEventsIn, readKeyEvents, type KeyEvent } from "~/models/key-events.server";
import type { SseChannel } from "./sse.server";

// An integrator key's event feed as a live stream (GET /api/events with
// Accept: text/event-stream): a replay from the database, then the hub.

const REPLAY_PAGE = 500;

// The stream replays from the database, then goes on with what the hub
// hears. The hub's listener is added first, so an event committed while the
// replay reads is heard by it: its batches wait until the replay is done.
// Where the two overlap (the replay reads past the hub's cursor), a frame
// goes out only if its id is past the last one sent, so each event is sent
// once, in order.
// `present` turns an event into what a frame carries (the API's shape).
export function keyEventFeed({
  app,
  apiKeyId,
  after,
  present,
}: {
  app: AppLoadContext["app"];
  apiKeyId: string;
  after: number;
  present: (event: KeyEvent) => unknown;
}) {
  const { database, live, log } = app;
  return (channel: SseChannel) => {
    let sent = after;
    let ended = false;
    let replaying = true;
    const heardDuringReplay: HoldfastEvent[][] = [];

    const send = (events: KeyEvent[]) => {
      for (const event of events) {
        if (event.id <= sent) continue;
        channel.send({ event: "reservation", id: event.id, data: present(event) });
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
        const page = await readKeyEvents({ database, apiKeyId, afterId: sent, limit: REPLAY_PAGE });
        if (ended) return;
        send(page);
        if (page.length < REPLAY_PAGE) break;
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
