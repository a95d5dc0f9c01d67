import { Link } from "@remix-run/react";
import { formatPrice } from "~/components/format";
import { FEW_LEFT, stockLabel, totalAvailable, withLiveStock } from "~/components/stock";
import type { LiveStock } from "~/live/live-updates";
import type { ProductView } from "~/models/inventory";

// One product in a grid: the picture, the name, the price and how many are
// left right now.
export function ProductCard({ product, live }: { product: ProductView; live: LiveStock }) {
  const available = totalAvailable(withLiveStock(product.stock, live));
  return (
    <li className="group card relative flex flex-col overflow-hidden transition-shadow hover:shadow-md">
      <img
        src={product.imageUrl}
        alt=""
        width={400}
        height={400}
        loading="lazy"
        // the picture carries the name along its foot; the card shows it already
        className="aspect-[4/3] w-full bg-brand-50 object-cover"
      />
      <div className="flex flex-1 flex-col gap-1 p-4">
        <p className="text-xs font-medium tracking-wide text-muted uppercase">{product.category}</p>
        <h3 className="font-semibold leading-snug">
          <Link to={`/products/${product.id}`} className="after:absolute after:inset-0 group-hover:text-brand-700">
            {product.name}
          </Link>
        </h3>
        <div className="mt-auto flex flex-wrap items-center justify-between gap-x-2 gap-y-1 pt-2">
          <span className="font-semibold">{formatPrice(product.priceCents, product.currency)}</span>
          <StockPill available={available} />
        </div>
      </div>
    </li>
  );
}

function StockPill({ available }: { available: number }) {
  const tone =
    available <= 0
      ? "bg-surface text-muted border-line"
      : available <= FEW_LEFT
        ? "bg-warn-50 text-warn-ink border-warn/40"
        : "bg-ok-50 text-ok-ink border-ok/30";
  return (
    <span
      data-testid="stock"
      className={`rounded-full border px-2.5 py-0.5 text-xs font-medium whitespace-nowrap ${tone}`}
    >
      {stockLabel(available)}
    </span>
  );
}
