import type { LiveConsoleMessage, LiveReservationMessage, LiveStockMessage } from "./live";

// Who is watching what, in this process: the streams of the stock pages,
// by product, of the checkout pages, by reservation, and of the console's
// pages, which hear of everything.

export type LiveStream<Message> = {
  send: (message: Message) => void;
  // ends the stream, telling the browser to come back (to this machine or
  // another) after about `reconnectInMs`
  close: (reconnectInMs: number) => void;
};

export type StockSubscriber = {
  productIds: string[];
  // the products, sorted and joined: streams that watch the same ones
  // share each message
  watching: string;
  stream: LiveStream<LiveStockMessage>;
  // owes the browser the current state (it connected with nothing, or
  // missed something this process no longer remembers)
  needsSnapshot: boolean;
};

type ReservationSubscriber = {
  reservationId: string;
  stream: LiveStream<LiveReservationMessage>;
};

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  const set = map.get(key) ?? new Set<V>();
  set.add(value);
  map.set(key, set);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V) {
  const set = map.get(key);
  set?.delete(value);
  if (set?.size === 0) map.delete(key);
}

export function createSubscribers() {
  const stock = new Set<StockSubscriber>();
  const stockByProduct = new Map<string, Set<StockSubscriber>>();
  const byReservation = new Map<string, Set<ReservationSubscriber>>();
  const consoles = new Set<LiveStream<LiveConsoleMessage>>();
  return {
    stock,
    consoles,
    watchingProduct: (productId: string) => stockByProduct.get(productId) ?? new Set<StockSubscriber>(),
    watchingReservation: (reservationId: string) => byReservation.get(reservationId),
    addStock(subscriber: StockSubscriber) {
      stock.add(subscriber);
      for (const p of subscriber.productIds) addTo(stockByProduct, p, subscriber);
      return () => {
        stock.delete(subscriber);
        for (const p of subscriber.productIds) removeFrom(stockByProduct, p, subscriber);
      };
    },
    addReservation(subscriber: ReservationSubscriber) {
      addTo(byReservation, subscriber.reservationId, subscriber);
      return () => removeFrom(byReservation, subscriber.reservationId, subscriber);
    },
    addConsole(stream: LiveStream<LiveConsoleMessage>) {
      consoles.add(stream);
      return () => consoles.delete(stream);
    },
    count: () => stock.size + consoles.size + [...byReservation.values()].reduce((n, set) => n + set.size, 0),
    // forgets every subscriber and hands back their streams, to close
    takeAll() {
      const streams = [
        ...[...stock].map((s) => s.stream),
        ...[...byReservation.values()].flatMap((set) => [...set].map((s) => s.stream)),
        ...consoles,
      ];
      stock.clear();
      consoles.clear();
      stockByProduct.clear();
      byReservation.clear();
      return streams;
    },
  };
}
