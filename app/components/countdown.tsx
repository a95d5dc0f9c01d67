import { useEffect, useRef, useState } from "react";
import { useHydrated } from "remix-utils/use-hydrated";

// mm:ss until `expiresAt`, by the server's clock: the browser's clock may be
// minutes off, so we measure how far it is from the server's `now` (sent
// with the page) and correct every tick by that much.
export function useCountdown({ expiresAt, serverNow }: { expiresAt: number; serverNow: number }): number {
  const hydrated = useHydrated();
  // The first render (on the server, and hydrating it) shows the server's
  // own figure, so both agree.
  const [left, setLeft] = useState(expiresAt - serverNow);
  const fromDocument = useRef(!hydrated);

  useEffect(() => {
    // serverNow was read while the response was being made: for the first
    // document that is when its response started arriving; for data
    // fetched later, it is (close enough to) now.
    const navigation = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
    const receivedAt =
      fromDocument.current && navigation ? performance.timeOrigin + navigation.responseStart : Date.now();
    fromDocument.current = false;
    const skew = serverNow - receivedAt;
    const update = () => setLeft(expiresAt - (Date.now() + skew));
    update();
    const timer = setInterval(update, 250);
    return () => clearInterval(timer);
  }, [expiresAt, serverNow]);

  return Math.max(0, left);
}

export function formatClock(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}
