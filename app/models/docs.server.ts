import { Marked } from "marked";
// Vite inlines the README into the server build: /docs shows the README of
// the commit that was built, and never fetches anything at run time.
import readme from "../../README.md?raw";

export type Heading = { id: string; text: string };

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/<[^>]+>/g, "")
    .replace(/&[a-z]+;|&#\d+;/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

function render(markdown: string): { title: string; html: string; headings: Heading[] } {
  const headings: Heading[] = [];
  let title = "Holdfast";
  const marked = new Marked({
    renderer: {
      heading({ tokens, depth }) {
        const html = this.parser.parseInline(tokens);
        const id = slug(html);
        if (depth === 1) title = html.replace(/<[^>]+>/g, "");
        if (depth === 2) headings.push({ id, text: html.replace(/<[^>]+>/g, "") });
        // linkable sections, so a section can be shared by its address
        return `<h${depth} id="${id}">${html}</h${depth}>\n`;
      },
    },
  });
  const html = marked.parse(markdown, { async: false });
  return { title, html, headings };
}

export const readmePage = render(readme);
