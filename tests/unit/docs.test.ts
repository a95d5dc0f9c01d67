import { describe, expect, test } from "vitest";
import { readmePage, renderMarkdown } from "~/models/docs.server";

describe("the README as /docs shows it", () => {
  test("a link to another file of the repository is shown as the file's name", () => {
    const { html } = renderMarkdown("See [PERFORMANCE.md](PERFORMANCE.md) and [the design](./ARCHITECTURE.md).");
    expect(html).toBe("<p>See PERFORMANCE.md and the design.</p>\n");
  });

  test("links to other sites and to sections of the page stay links", () => {
    const { html } = renderMarkdown(
      "[Fly.io](https://fly.io), [run it](#run-it), [the shop](/products), <https://a.example>",
    );
    expect(html).toContain('<a href="https://fly.io">Fly.io</a>');
    expect(html).toContain('<a href="#run-it">run it</a>');
    expect(html).toContain('<a href="/products">the shop</a>');
    expect(html).toContain('<a href="https://a.example">https://a.example</a>');
  });

  test("the README itself links to no file the server does not serve", () => {
    const hrefs = [...readmePage.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.filter((href) => /\.md(#|$)/.test(href!))).toEqual([]);
    expect(readmePage.html).toContain("ARCHITECTURE.md");
  });
});
