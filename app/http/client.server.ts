import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { TLSSocket } from "node:tls";

// Who sent a request, as far as the server can know it: the address the
// connection came from and whether it came over HTTPS. Behind Fly's proxy
// (TRUST_PROXY) both are in headers the proxy sets; anywhere else anyone can
// send those headers, so they are ignored and the socket's own are used.

export type Client = {
  address: string;
  https: boolean;
  // the origin this server is reached at, as the browser sees it: what a
  // same-site request's Origin header says
  origin: string;
};

// A request line's Host may be anything a client typed; a URL is built from
// it, so only a plain host[:port] is taken.
const plainHost = /^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?$/;

export function clientOf(req: IncomingMessage, trustProxy: boolean): Client {
  const socketAddress = req.socket.remoteAddress ?? "unknown";
  const socketHttps = (req.socket as TLSSocket).encrypted === true;
  let address = socketAddress;
  let https = socketHttps;
  if (trustProxy) {
    const forwarded = req.headers["fly-client-ip"];
    if (typeof forwarded === "string" && isIP(forwarded.trim()) !== 0) address = forwarded.trim();
    const proto = req.headers["x-forwarded-proto"];
    if (typeof proto === "string") https = proto.split(",")[0]!.trim().toLowerCase() === "https";
  }
  const given = req.headers.host;
  const host = given && plainHost.test(given) && URL.canParse(`http://${given}/`) ? given : "localhost";
  return { address: normaliseAddress(address), https, origin: `${https ? "https" : "http"}://${host}` };
}

// One client, one key: an IPv4 client reached over IPv6 ("::ffff:1.2.3.4")
// is its IPv4 address, and an IPv6 client is its /64, the block one
// subscriber is given (anyone holding a /64 can use all of it).
function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head = "", tail = ""] = address.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
