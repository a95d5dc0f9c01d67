// What the console's pages get from their loaders, as the browser sees it.

type OperatorStockRowView = {
  warehouseId: string;
  warehouseName: string;
  total: number;
  reserved: number;
  sold: number;
  available: number;
  low: boolean;
};

export type OperatorProductView = {
  id: string;
  name: string;
  category: string;
  archived: boolean;
  stock: OperatorStockRowView[];
};
