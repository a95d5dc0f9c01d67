import type { HoldfastEvent } from "~/models/events.server";

// What the hub remembers of each recent event: enough to tell a browser
// that comes back with a Last-Event-ID whether it missed anything it
// watches, without a query.
type Seen = { id: number; productId: string | null; reservationId: string | null };

export type RecentEvents = {
  remember: (events: HoldfastEvent[]) => void;
  // did anything after `after` match? Also true when `after` is older than
  // what is remembered, since then nobody can say
  missed: (after: number, matches: (seen: Seen) => boolean) => boolean;
};

export function createRecentEvents({ from, size }: { from: number; size: number }): RecentEvents {
  let history: Seen[] = [];
  // every event after this id is in `history`
  let rememberedFrom = from;
  return {
    remember(events) {
      for (const e of events) history.push({ id: e.id, productId: e.productId, reservationId: e.reservationId });
      if (history.length > size) {
        const dropped = history.length - size;
        rememberedFrom = history[dropped - 1]!.id;
        history = history.slice(dropped);
      }
    },
    missed(after, matches) {
      if (after < rememberedFrom) return true;
      for (let i = history.length - 1; i >= 0 && history[i]!.id > after; i--) {
        if (matches(history[i]!)) return true;
      }
      return false;
    },
  };
}
