import type { StockLevel } from "./inventory";
import { MAX_LINES_PER_HOLD } from "./reservation";

// Client-safe shapes of a shopper's cart, as its page shows them.

// A cart becomes one hold, so it has at most as many lines as a hold.
export const MAX_CART_LINES = MAX_LINES_PER_HOLD;

// A cart nobody touched for this long is removed by the sweep.
export const CART_IDLE_MS = 30 * 24 * 60 * 60 * 1000;

export type CartLineView = {
  productId: string;
  warehouseId: string;
  quantity: number;
  productName: string;
  warehouseName: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  // no longer sold: the line stays until the shopper removes it, but
  // cannot be held
  archived: boolean;
  // now sold in a drop (it joined one after going in the cart): held on the
  // drop's page only, so the cart is not held while it is there
  inDrop: boolean;
  // units free now at the line's own warehouse, and the product's rows
  available: number;
  stock: StockLevel[];
};

export type CartView = {
  // goes up with every change: the "Hold my cart" form carries it
  revision: number;
  lines: CartLineView[];
  units: number;
  totalCents: number;
  currency: string | null;
};

// A hold that ended without payment put its lines back in the shopper's
// cart (unless it was a drop's, or the holder took them out): how many of
// its units the cart has now, and the cart's revision, for "Hold again".
export type BackInCart = { units: number; revision: number };
