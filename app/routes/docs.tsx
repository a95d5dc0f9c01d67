import type { MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { readmePage } from "~/models/docs.server";

export const meta: MetaFunction = () => [{ title: "How it works · Holdfast" }];

export function loader() {
  return readmePage;
}

// The README, rendered when the app was built. Its HTML comes from our own
// repository, never from a shopper, so it is inserted as it is.
export default function Docs() {
  const { html, headings } = useLoaderData<typeof loader>();
  return (
    <div className="grid gap-10 lg:grid-cols-[14rem_1fr]">
      <nav aria-label="On this page" className="hidden lg:block">
        <div className="sticky top-6">
          <p className="text-sm font-semibold">On this page</p>
          <ul className="mt-3 space-y-2 border-l border-line text-sm">
            {headings.map((h) => (
              <li key={h.id}>
                <a
                  href={`#${h.id}`}
                  className="-ml-px block border-l border-transparent pl-3 text-muted hover:border-brand-500 hover:text-ink"
                >
                  {h.text}
                </a>
              </li>
            ))}
          </ul>
        </div>
      </nav>
      <article className="prose min-w-0" dangerouslySetInnerHTML={{ __html: html }} />
    </div>
  );
}
