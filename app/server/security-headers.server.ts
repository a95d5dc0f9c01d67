import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";
import { randomBytesFromPool } from "~/infra/random.server";

// Security headers on every response, by helmet: a Content-Security-Policy
// whose scripts must carry this response's nonce (Remix's hydration scripts
// get it from entry.server.tsx), no framing by other sites, nosniff, a
// strict Referrer-Policy, HSTS.
//
// helmet runs once, at start, into a recorder: its headers are the same for
// every response but the nonce, which is put in per page, so a request
// costs a few setHeader calls rather than helmet's dozen middlewares and a
// CSP string built afresh.

const NONCE = "HOLDFAST-NONCE";

function pageHelmet(dev: boolean) {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", `'nonce-${NONCE}'`],
        // Vite's dev server injects the styles it reloads; a build links them
        // (the server's own refusal page carries its few lines with the nonce)
        styleSrc: dev ? ["'self'", "'unsafe-inline'"] : ["'self'", `'nonce-${NONCE}'`],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        // the live pages' EventSource; in development also Vite's reload socket
        connectSrc: dev ? ["'self'", "ws:"] : ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        objectSrc: ["'none'"],
      },
    },
    // the old header for browsers without frame-ancestors, said the same way
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "strict-origin-when-cross-origin" },
    strictTransportSecurity: { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true },
  });
}

// JSON loads nothing and is never framed
function apiHelmet() {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    xFrameOptions: { action: "deny" },
    referrerPolicy: { policy: "strict-origin-when-cross-origin" },
    strictTransportSecurity: { maxAge: 365 * 24 * 60 * 60, includeSubDomains: true },
  });
}

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

// The headers a middleware sets, as a list.
function recordHeaders(middleware: Middleware): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: unknown) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
    getHeader: (name: string) => headers.get(name),
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return [...headers];
}

export function securityHeaders({ dev }: { dev: boolean }) {
  const page = recordHeaders(pageHelmet(dev));
  const api = recordHeaders(apiHelmet());
  return {
    // sets a page's headers; returns the nonce its scripts must carry
    page(res: ServerResponse): string {
      const nonce = randomBytesFromPool(16).toString("base64");
      for (const [name, value] of page) res.setHeader(name, value.replaceAll(NONCE, nonce));
      return nonce;
    },
    api(res: ServerResponse) {
      for (const [name, value] of api) res.setHeader(name, value);
    },
    // the same as a flat name, value, … list, for an answer written whole
    // by one writeHead
    apiList: api.flat(),
  };
}
