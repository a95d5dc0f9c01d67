import type { OperatorProduct } from "~/models/inventory";

// The fields of a product as the console's forms edit them. Prices are
// typed in major units ("3499.50"); the server turns them into minor ones.
type ProductValues = Pick<
  OperatorProduct,
  | "name"
  | "description"
  | "priceCents"
  | "currency"
  | "imageUrl"
  | "category"
  | "lowStockThreshold"
  | "maxPerCustomer"
  | "archived"
>;

export function ProductFields({ product, idPrefix }: { product: ProductValues | null; idPrefix: string }) {
  const field = (name: string) => `${idPrefix}-${name}`;
  const price = product ? (product.priceCents / 100).toFixed(2) : undefined;
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      {product ? (
        // the values as first shown (uncontrolled, like the fields, so a live
        // reload changes neither): only the fields changed from these are
        // saved
        <>
          <input type="hidden" name="was.name" defaultValue={product.name} />
          <input type="hidden" name="was.category" defaultValue={product.category} />
          <input type="hidden" name="was.price" defaultValue={price} />
          <input type="hidden" name="was.currency" defaultValue={product.currency} />
          <input type="hidden" name="was.lowStockThreshold" defaultValue={product.lowStockThreshold} />
          <input type="hidden" name="was.maxPerCustomer" defaultValue={product.maxPerCustomer} />
          <input type="hidden" name="was.description" defaultValue={product.description} />
          <input type="hidden" name="was.imageUrl" defaultValue={product.imageUrl} />
          <input type="hidden" name="was.archived" defaultValue={String(product.archived)} />
        </>
      ) : null}
      <div>
        <label htmlFor={field("name")} className="label">
          Name
        </label>
        <input
          id={field("name")}
          name="name"
          required
          maxLength={120}
          defaultValue={product?.name}
          className="field mt-1.5"
        />
      </div>
      <div>
        <label htmlFor={field("category")} className="label">
          Category
        </label>
        <input
          id={field("category")}
          name="category"
          required
          maxLength={60}
          defaultValue={product?.category}
          className="field mt-1.5"
        />
      </div>
      <div className="grid grid-cols-[1fr_6rem] gap-3">
        <div>
          <label htmlFor={field("price")} className="label">
            Price
          </label>
          <input
            id={field("price")}
            name="price"
            inputMode="decimal"
            required
            defaultValue={price}
            className="field mt-1.5"
          />
        </div>
        <div>
          <label htmlFor={field("currency")} className="label">
            Currency
          </label>
          <input
            id={field("currency")}
            name="currency"
            required
            maxLength={3}
            defaultValue={product?.currency ?? "INR"}
            className="field mt-1.5 uppercase"
          />
        </div>
      </div>
      <div>
        <label htmlFor={field("lowStockThreshold")} className="label">
          Low stock at
        </label>
        <input
          id={field("lowStockThreshold")}
          name="lowStockThreshold"
          type="number"
          min={0}
          inputMode="numeric"
          defaultValue={product?.lowStockThreshold ?? 5}
          aria-describedby={field("lowStockThreshold-help")}
          className="field mt-1.5"
        />
        <p id={field("lowStockThreshold-help")} className="mt-1 text-xs text-muted">
          Available units at or below this; 0 turns it off.
        </p>
      </div>
      <div>
        <label htmlFor={field("maxPerCustomer")} className="label">
          Per customer
        </label>
        <input
          id={field("maxPerCustomer")}
          name="maxPerCustomer"
          type="number"
          min={0}
          inputMode="numeric"
          defaultValue={product?.maxPerCustomer ?? 0}
          aria-describedby={field("maxPerCustomer-help")}
          className="field mt-1.5"
        />
        <p id={field("maxPerCustomer-help")} className="mt-1 text-xs text-muted">
          Units one shopper may hold and buy; 0 is no limit. A drop sets its own.
        </p>
      </div>
      <div className="sm:col-span-2">
        <label htmlFor={field("description")} className="label">
          Description
        </label>
        <textarea
          id={field("description")}
          name="description"
          required
          rows={3}
          maxLength={2000}
          defaultValue={product?.description}
          className="field mt-1.5"
        />
      </div>
      <div className="sm:col-span-2">
        <label htmlFor={field("imageUrl")} className="label">
          Picture
        </label>
        <input
          id={field("imageUrl")}
          name="imageUrl"
          maxLength={500}
          defaultValue={product?.imageUrl}
          placeholder="/images/products/<id>.svg"
          aria-describedby={field("imageUrl-help")}
          className="field mt-1.5 font-mono"
        />
        <p id={field("imageUrl-help")} className="mt-1 text-xs text-muted">
          A path on this site; left empty, the shop draws one.
        </p>
      </div>
      <div className="sm:col-span-2">
        <input type="hidden" name="archived" value="false" />
        <label className="inline-flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            name="archived"
            value="true"
            defaultChecked={product?.archived ?? false}
            className="size-4"
          />
          Archived: hidden from the shop, no new holds (the ones made run out as usual)
        </label>
      </div>
    </div>
  );
}
