import { formatCount } from "../format";

type Bucket = { start: number; created: number; confirmed: number; expired: number };

const series = [
  { key: "created", label: "Created", stroke: "stroke-brand-500", swatch: "bg-brand-500" },
  { key: "confirmed", label: "Confirmed", stroke: "stroke-ok", swatch: "bg-ok" },
  { key: "expired", label: "Expired", stroke: "stroke-warn", swatch: "bg-warn" },
] as const;

// The plot's own units: it is stretched to the box it is drawn in, with
// strokes that keep their width, so it reads the same on a phone and a
// wide screen; the labels around it are text, not part of the drawing.
const WIDTH = 600;
const HEIGHT = 160;

// A ceiling for the y axis that reads well: 1, 2 or 5 times a power of ten.
function niceCeiling(n: number): number {
  if (n <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(n));
  const step = [1, 2, 5, 10].find((s) => s * power >= n)!;
  return step * power;
}

// Holds created, confirmed and expired per bucket, as lines. Plain SVG drawn
// by the server, so it is there without JavaScript, and a live page redraws
// it from fresh data.
export function HoldsChart({ buckets, bucketMs, timeZone }: { buckets: Bucket[]; bucketMs: number; timeZone: string }) {
  const top = niceCeiling(Math.max(0, ...buckets.flatMap((b) => [b.created, b.confirmed, b.expired])));
  const x = (i: number) => (buckets.length <= 1 ? 0 : (i / (buckets.length - 1)) * WIDTH);
  const y = (n: number) => HEIGHT - (n / top) * HEIGHT;
  const time = new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit" });
  // a label at each quarter of the series
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => buckets[Math.round(f * (buckets.length - 1))]);
  const totals = series.map(
    (s) => `${formatCount(buckets.reduce((sum, b) => sum + b[s.key], 0))} ${s.label.toLowerCase()}`,
  );
  const perBucket = bucketMs === 60_000 ? "per minute" : `per ${bucketMs / 60_000} minutes`;
  return (
    <figure>
      <div className="grid grid-cols-[auto_1fr] gap-x-2">
        <div
          aria-hidden="true"
          className="flex h-40 flex-col justify-between text-right text-xs text-muted tabular-nums"
        >
          <span className="-mt-2">{formatCount(top)}</span>
          <span>{formatCount(top / 2)}</span>
          <span className="-mb-2">0</span>
        </div>
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-labelledby="holds-chart-title holds-chart-desc"
          className="h-40 w-full overflow-visible"
          data-testid="holds-chart"
        >
          <title id="holds-chart-title">{`Holds ${perBucket}`}</title>
          <desc id="holds-chart-desc">{`In this window: ${totals.join(", ")}.`}</desc>
          {[0, 0.5, 1].map((f) => (
            <line
              key={f}
              x1={0}
              x2={WIDTH}
              y1={y(top * f)}
              y2={y(top * f)}
              className="stroke-line"
              strokeDasharray={f === 0 ? undefined : "3 3"}
              vectorEffect="non-scaling-stroke"
            />
          ))}
          {series.map((s) => (
            <polyline
              key={s.key}
              fill="none"
              className={s.stroke}
              strokeWidth="2"
              strokeLinejoin="round"
              vectorEffect="non-scaling-stroke"
              data-series={s.key}
              points={buckets.map((b, i) => `${x(i).toFixed(1)},${y(b[s.key]).toFixed(1)}`).join(" ")}
            />
          ))}
        </svg>
        <div aria-hidden="true" className="col-start-2 mt-1 flex justify-between text-xs text-muted tabular-nums">
          {ticks.map((bucket, i) => (
            <span key={i}>{bucket ? time.format(bucket.start) : ""}</span>
          ))}
        </div>
      </div>
      <figcaption className="mt-3 flex flex-wrap gap-4 text-xs text-muted">
        {series.map((s) => (
          <span key={s.key} className="inline-flex items-center gap-1.5">
            <span aria-hidden="true" className={`inline-block h-0.5 w-4 ${s.swatch}`} />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
