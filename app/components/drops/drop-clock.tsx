import { formatClock, useCountdown } from "~/components/countdown";
import type { DropPhase } from "~/models/drop";

// "04:59", "1 h 04:59", "3 d 4 h": days and hours only once there are any.
function formatUntil(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${formatClock((seconds % 3600) * 1000)}`;
  return formatClock(seconds * 1000);
}

// A drop's status line: a countdown to the start on the server's clock,
// "Live" (with what is left of it), or "Ended".
export function DropClock({
  phase,
  startsAt,
  endsAt,
  serverNow,
}: {
  phase: DropPhase;
  startsAt: number;
  endsAt: number | null;
  serverNow: number;
}) {
  const toStart = useCountdown({ expiresAt: startsAt, serverNow });
  const toEnd = useCountdown({ expiresAt: endsAt ?? serverNow, serverNow });
  if (phase === "upcoming") {
    return (
      <p className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <PhaseBadge phase={phase} />
        <span className="text-sm text-muted">Opens in</span>
        <span data-testid="drop-countdown" role="timer" className="font-mono text-2xl font-semibold tabular-nums">
          {formatUntil(toStart)}
        </span>
      </p>
    );
  }
  return (
    <p className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
      <PhaseBadge phase={phase} />
      {phase === "live" && endsAt !== null ? (
        <span className="text-sm text-muted">
          Ends in <span className="font-mono font-semibold tabular-nums text-ink">{formatClock(toEnd)}</span>
        </span>
      ) : null}
    </p>
  );
}

export function PhaseBadge({ phase }: { phase: DropPhase }) {
  const tone = {
    upcoming: "border-brand-500/40 bg-brand-50 text-brand-700",
    live: "border-ok/40 bg-ok-50 text-ok-ink",
    ended: "border-line bg-surface text-muted",
  }[phase];
  const label = { upcoming: "Upcoming", live: "Live now", ended: "Ended" }[phase];
  return (
    <span
      data-testid="drop-phase"
      className={`inline-flex items-center gap-1.5 rounded-full border px-2.5 py-0.5 text-xs font-semibold whitespace-nowrap ${tone}`}
    >
      {phase === "live" ? <span aria-hidden="true" className="size-1.5 rounded-full bg-ok" /> : null}
      {label}
    </span>
  );
}
