import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import helmet from "helmet";

// Security headers on every response, by helmet: a Content-Security-Policy
// whose scripts must carry this response's nonce (Remix's hydration scripts
// get it from entry.server.tsx), no framing by other sites, nosniff, a
// strict Referrer-Policy, HSTS. Returns the nonce for the page to use.

const nonces = new WeakMap<ServerResponse, string>();
const nonceOf = (_req: IncomingMessage, res: ServerResponse) => `'nonce-${nonces.get(res) ?? ""}'`;

export function securityHeaders({ dev }: { dev: boolean }) {
  const apply = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", nonceOf],
        // Vite's dev server injects the styles it reloads; a build links them
        // (the server's own refusal page carries its few lines with the nonce)
        styleSrc: dev ? ["'self'", "'unsafe-inline'"] : ["'self'", nonceOf],
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
  return (req: IncomingMessage, res: ServerResponse): string => {
    const nonce = randomBytes(16).toString("base64");
    nonces.set(res, nonce);
    // helmet's middleware only sets headers, synchronously
    apply(req, res, () => {});
    return nonce;
  };
}
