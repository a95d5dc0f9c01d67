export function formatPrice(cents: number, currency: string): string {
  return new Intl.NumberFormat("en-IN", { style: "currency", currency, maximumFractionDigits: 0 }).format(cents / 100);
}

// A hold's length as a shopper reads it: "10 minutes", "1 min 40 s", "30 seconds".
export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  if (rest === 0) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  return `${minutes} min ${rest} s`;
}

// Counts as operators read them: grouped ("12,480").
export function formatCount(n: number): string {
  return new Intl.NumberFormat("en").format(n);
}

export function formatPercent(fraction: number | null): string {
  return fraction === null
    ? "—"
    : new Intl.NumberFormat("en", { style: "percent", maximumFractionDigits: 1 }).format(fraction);
}

// A moment in the operator's own time zone, rendered the same on the server
// and in the browser (the zone comes from the operator's session).
export function formatDateTime(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(ms);
}
