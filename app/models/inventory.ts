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

// The catalogue as operators see it: every product, archived or not, each
// row marked when it is low on stock.
export type OperatorProduct = {
  id: string;
  name: string;
  description: string;
  category: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  archived: boolean;
  lowStockThreshold: number;
  stock: (StockLevel & { low: boolean })[];
};
