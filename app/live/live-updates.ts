import { useRevalidator } from "@remix-run/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { useEventSource } from "remix-utils/sse/react";
import type { LiveConsoleMessage, LiveDropMessage, LiveReservationMessage, LiveStockMessage } from "~/live/live";

// remix-utils' `useEventSource`, wrapped where it falls short for a shop:
// - it returns only the latest message, so every message we send is the
//   whole current state (see live.ts) and nothing is lost if two
//   arrive between renders;
// - it cannot see a stream the server refused (a 503 while a machine
//   restarts), after which the browser never reconnects by itself: after
//   any error we open a fresh stream, resuming from the last id we saw;
// - it needs EventSource: without it the page falls back to reloading its
//   data every few seconds.
const REOPEN_AFTER_MS = 5_000;
const FALLBACK_RELOAD_MS = 10_000;

function useLiveMessage<Message extends { id: number }>(
  path: string,
  event: string,
  // the event id the page's data is current up to (from its loader)
  after: number,
  watching = true,
): Message | null {
  const [supported, setSupported] = useState<boolean | null>(null);
  useEffect(() => setSupported(typeof EventSource !== "undefined"), []);
  const revalidator = useRevalidator();

  const lastId = useRef(after);
  const [generation, setGeneration] = useState(0);
  // A new path or a fresh stream resumes from the last id seen; the
  // browser's own reconnects send it as Last-Event-ID.
  const url = useMemo(() => {
    const separator = path.includes("?") ? "&" : "?";
    return `${path}${separator}after=${lastId.current}&stream=${generation}`;
  }, [path, generation]);

  const enabled = supported === true && watching;
  const raw = useEventSource(url, { event, enabled });
  const failed = useEventSource(url, { event: "error", enabled });
  const message = useMemo(() => (raw ? (JSON.parse(raw) as Message) : null), [raw]);

  useEffect(() => {
    if (message) lastId.current = Math.max(lastId.current, message.id);
  }, [message]);

  useEffect(() => {
    if (!failed) return;
    const timer = setTimeout(() => setGeneration((g) => g + 1), REOPEN_AFTER_MS);
    return () => clearTimeout(timer);
  }, [failed]);

  const { revalidate } = revalidator;
  useEffect(() => {
    if (supported !== false) return;
    const timer = setInterval(() => {
      if (document.visibilityState === "visible") revalidate();
    }, FALLBACK_RELOAD_MS);
    return () => clearInterval(timer);
  }, [supported, revalidate]);

  return message;
}

export type LiveStock = LiveStockMessage["stock"];

// Available units by product and warehouse for `productIds`, as it changes;
// empty until the first change. Products dropped from the list keep their
// last known state.
export function useLiveStock(productIds: string[], after: number): LiveStock {
  const path = `/stock/events?products=${productIds.join(",")}`;
  const message = useLiveMessage<LiveStockMessage>(path, "stock", after, productIds.length > 0);
  const [stock, setStock] = useState<LiveStock>({});
  useEffect(() => {
    if (message) setStock((known) => ({ ...known, ...message.stock }));
  }, [message]);
  return stock;
}

// The holder's reservation: reloads the page's data whenever it changes
// anywhere (another tab, the API, a sweep), and returns the latest message.
export function useLiveReservation(id: string, after: number): LiveReservationMessage | null {
  const message = useLiveMessage<LiveReservationMessage>(`/reservations/${id}/events`, "reservation", after);
  const { revalidate } = useRevalidator();
  useEffect(() => {
    if (message) revalidate();
  }, [message, revalidate]);
  return message;
}

// Reloads the page's data after each message, at most once a second
// however busy the shop is (and not at all while `enabled` is false).
const RELOAD_AT_MOST_EVERY_MS = 1_000;

function useThrottledReload(message: { id: number } | null, enabled = true) {
  const { revalidate } = useRevalidator();
  const lastReload = useRef(0);
  useEffect(() => {
    if (!message || !enabled) return;
    const wait = Math.max(0, lastReload.current + RELOAD_AT_MOST_EVERY_MS - Date.now());
    const timer = setTimeout(() => {
      lastReload.current = Date.now();
      revalidate();
    }, wait);
    return () => clearTimeout(timer);
  }, [message, enabled, revalidate]);
}

// The console's pages: their data reloads whenever anything happened.
export function useLiveConsole(after: number) {
  useThrottledReload(useLiveMessage<LiveConsoleMessage>("/admin/live", "change", after));
}

// A drop's page: the message itself carries what everyone sees (phase,
// stock, lines, top purchasers). A shopper who is in a line, or holds
// something in the drop, also reloads their own part (their place, an
// offered hold) as it changes; everyone else never adds a request.
export function useLiveDrop(dropId: string, after: number, ownPart: boolean): LiveDropMessage | null {
  const message = useLiveMessage<LiveDropMessage>(`/drops/${dropId}/events`, "drop", after);
  useThrottledReload(message, ownPart);
  return message;
}
