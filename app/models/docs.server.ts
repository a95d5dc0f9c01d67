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

// A link to another file of the repository (ARCHITECTURE.md,
// PERFORMANCE.md) works where the README is read as a file, but /docs
// serves the README alone: there it is shown as the file's name rather
// than as a link to a page that does not exist.
const repositoryFile = /^(?![a-z][a-z0-9+.-]*:|\/|#)/i;

export function renderMarkdown(markdown: string): { title: string; html: string; headings: Heading[] } {
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
      link({ href, tokens }) {
        return repositoryFile.test(href) ? this.parser.parseInline(tokens) : false;
      },
    },
  });
  const html = marked.parse(markdown, { async: false });
  return { title, html, headings };
}

export const readmePage = renderMarkdown(readme);
