// Client-safe shapes of the catalogue, as pages and the API show them.

export type StockLevel = {
  productId: string;
  warehouseId: string;
  warehouseName: string;
  total: number;
  // held by pending holds that are still within their expiry
  reserved: number;
  sold: number;
  // never counts a hold past its expiry, whether or not anything has swept
  available: number;
};

export type ProductView = {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  category: string;
  available: number;
  stock: StockLevel[];
};

export type WarehouseView = { id: string; name: string; city: string };

// A product as operators keep it: every field, archived or not.
export type CatalogueProduct = {
  id: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  category: string;
  lowStockThreshold: number;
  // hidden from the shop and refused new holds; its pending holds run out
  // (or are paid) as usual
  archived: boolean;
  // units one customer may hold and buy (0: no limit); a drop sets its own
  maxPerCustomer: number;
  createdAt: number;
};

// The catalogue as operators see it: each product with its rows, each row
// marked when it is low on stock.
export type OperatorProduct = CatalogueProduct & { stock: (StockLevel & { low: boolean })[] };
