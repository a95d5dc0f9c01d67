import { Link, useSearchParams } from "@remix-run/react";

// The link to the next page of a console list: the same filters, from the
// cursor the loader handed back (`after`); nothing on the last page.
export function NextPage({ cursor, label }: { cursor: string | number | null; label: string }) {
  const [params] = useSearchParams();
  if (cursor === null) return null;
  const next = new URLSearchParams(params);
  next.set("after", String(cursor));
  return (
    <p className="mt-6">
      <Link to={`?${next}`} className="btn btn-secondary">
        {label}
      </Link>
    </p>
  );
}
