// What the cart's action answers a form or fetcher that it did not send on
// elsewhere, for the page to show.

export type LineKey = { productId: string; warehouseId: string };

export type CartAnswer =
  | { ok: true }
  | {
      ok: false;
      message: string;
      // the line the refusal is about, for the line to show it
      line?: LineKey;
      // a refused hold: the cart's revision it was asked for (once the cart
      // moves on, the refusal is old news) and the lines that were short
      hold?: { revision: number; short: LineKey[] };
    };

export const sameLine = (a: LineKey, b: LineKey) => a.productId === b.productId && a.warehouseId === b.warehouseId;
