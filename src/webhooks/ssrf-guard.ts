/**
 * The SSRF guard: webhook endpoints are user input, so the server must not be made to POST to its own network.
 * An address is classified by the range it falls in; everything but ordinary public unicast is refused unless
 * the operator allows private endpoints (ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true). Hostnames are resolved once, at
 * connect time, and the socket connects to exactly the addresses that were checked (see `guardedLookup`), so a
 * DNS answer cannot change between the check and the connection (DNS rebinding).
 */
import dns from 'node:dns';
import net from 'node:net';

/** Why an address is refused; `public` is the one allowed kind. */
export type AddressKind =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

interface Range4 {
  base: number;
  bits: number;
  kind: Exclude<AddressKind, 'public'>;
}

const v4 = (cidr: string, kind: Range4['kind']): Range4 => {
  const [addr, bits] = cidr.split('/');
  return { base: parseIPv4(addr)!, bits: Number(bits), kind };
};

/** IPv4 ranges that are not public unicast (RFC 6890 and friends). Order matters only for the reported kind. */
export const BLOCKED_IPV4: readonly Range4[] = [
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.0.2.0/24', 'reserved'),
  v4('192.88.99.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('198.51.100.0/24', 'reserved'),
  v4('203.0.113.0/24', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255/32', 'broadcast'),
  v4('240.0.0.0/4', 'reserved'),
];

/** Parses dotted-quad IPv4 into an unsigned 32-bit number; undefined if it is not one. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const octet = Number(p);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

/** Parses any textual IPv6 form (compressed, embedded IPv4, zone id) into 16 bytes; undefined if invalid. */
export function parseIPv6(text: string): Uint8Array | undefined {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!net.isIPv6(s)) return undefined;
  const groups: number[] = [];
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (i === pieces.length - 1 && piece.includes('.')) {
        const n = parseIPv4(piece);
        if (n === undefined) return undefined;
        out.push(n >>> 16, n & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined;
        out.push(parseInt(piece, 16));
      }
    }
    return out;
  };
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]);
  const tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    groups.push(...head, ...new Array<number>(fill).fill(0), ...tail);
  } else {
    if (head.length !== 8) return undefined;
    groups.push(...head);
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[2 * i] = g >>> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  return bytes;
}

export function classifyIPv4(n: number): AddressKind {
  for (const r of BLOCKED_IPV4) {
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    if (((n & mask) >>> 0) === ((r.base & mask) >>> 0)) return r.kind;
  }
  return 'public';
}

const prefixMatches = (b: Uint8Array, prefix: number[], bits: number): boolean => {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const bit = 7 - (i & 7);
    if (((b[byte] >> bit) & 1) !== (((prefix[byte] ?? 0) >> bit) & 1)) return false;
  }
  return true;
};

const v4At = (b: Uint8Array, offset: number): number =>
  ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;

export function classifyIPv6(b: Uint8Array): AddressKind {
  const zeroUpTo = (n: number) => b.subarray(0, n).every((x) => x === 0);
  // ::ffff:a.b.c.d (IPv4-mapped) and ::ffff:0:a.b.c.d (IPv4-translated): the IPv4 address decides.
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return classifyIPv4(v4At(b, 12));
  if (zeroUpTo(8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return classifyIPv4(v4At(b, 12));
  if (zeroUpTo(15)) return b[15] === 0 ? 'unspecified' : b[15] === 1 ? 'loopback' : 'reserved';
  // ::a.b.c.d (deprecated IPv4-compatible): never a real destination today.
  if (zeroUpTo(12)) return 'reserved';
  // 64:ff9b::/96 (NAT64): the embedded IPv4 address decides.
  if (prefixMatches(b, [0x00, 0x64, 0xff, 0x9b], 96)) return classifyIPv4(v4At(b, 12));
  if (prefixMatches(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return 'reserved'; // local-use NAT64
  // 2002::/16 (6to4): the embedded IPv4 address decides.
  if (prefixMatches(b, [0x20, 0x02], 16)) {
    const kind = classifyIPv4(v4At(b, 2));
    if (kind !== 'public') return kind;
  }
  // 2001:0::/32 (Teredo): the client's IPv4 address is stored inverted in the last 32 bits.
  if (prefixMatches(b, [0x20, 0x01, 0x00, 0x00], 32)) {
    const kind = classifyIPv4(~v4At(b, 12) >>> 0);
    if (kind !== 'public') return kind;
  }
  if (prefixMatches(b, [0x01, 0x00], 64)) return 'reserved'; // 100::/64 discard-only
  if (prefixMatches(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'reserved'; // documentation
  if (prefixMatches(b, [0xfc], 7)) return 'unique-local';
  if (prefixMatches(b, [0xfe, 0x80], 10)) return 'link-local';
  if (prefixMatches(b, [0xfe, 0xc0], 10)) return 'private'; // deprecated site-local
  if (prefixMatches(b, [0xff], 8)) return 'multicast';
  return 'public';
}

/** Classifies a textual IP address (IPv4, IPv6, bracketed, with zone id); undefined if `text` is not an IP. */
export function classifyAddress(text: string): AddressKind | undefined {
  const n4 = parseIPv4(text);
  if (n4 !== undefined) return classifyIPv4(n4);
  const b6 = parseIPv6(text);
  if (b6 !== undefined) return classifyIPv6(b6);
  return undefined;
}

const ALLOW_HINT = 'set ORDERGRAPH_WEBHOOK_ALLOW_PRIVATE=true to allow private endpoints';

/** The error of a refused destination; its message is safe to show to the webhook's owner. */
export class RefusedAddressError extends Error {
  readonly code = 'EREFUSEDADDRESS';
  constructor(message: string) {
    super(message);
    this.name = 'RefusedAddressError';
  }
}

/**
 * A refusal message for `address`, or undefined when it may be connected to. For a name it says only that the
 * endpoint is not allowed: what an internal name resolves to is none of the webhook owner's business.
 */
export function refusalFor(host: string, address: string): string | undefined {
  const kind = classifyAddress(address);
  if (kind === 'public') return undefined;
  if (host !== address) return `refused: the endpoint's host ${host} is not allowed (${ALLOW_HINT})`;
  return `refused: ${address} is ${kind === undefined ? 'not an IP address' : `a ${kind} address`} (${ALLOW_HINT})`;
}

const LOCALHOST = /^(localhost|localhost\.localdomain)\.?$|\.localhost\.?$/i;

/**
 * The check at subscription time, without DNS: refuses `localhost` names and literal IPs that are not public,
 * so that a user gets a clear error at once. The authoritative check happens at delivery time.
 */
export function literalHostRefusal(hostname: string): string | undefined {
  const host = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (LOCALHOST.test(host)) return `refused: ${host} is a loopback name (${ALLOW_HINT})`;
  if (classifyAddress(host) === undefined) return undefined;
  return refusalFor(host, host);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
type LookupFn = (hostname: string, options: dns.LookupOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for net/tls `connect` that resolves every address of `hostname`, refuses the whole name if any of
 * them is not public, and hands the checked addresses to the socket, so it connects to what was checked.
 * `resolve` is injectable for tests.
 */
export function guardedLookup(
  resolve: (hostname: string) => Promise<dns.LookupAddress[]> = (h) => dns.promises.lookup(h, { all: true, verbatim: true }),
): LookupFn {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (all) => {
        const wanted = options.family === 4 || options.family === 6 ? all.filter((a) => a.family === options.family) : all;
        if (wanted.length === 0) {
          const e: NodeJS.ErrnoException = new Error(`${hostname} has no address of the requested family`);
          e.code = 'ENOTFOUND';
          return callback(e, '', 0);
        }
        for (const a of all) {
          const refused = refusalFor(hostname, a.address);
          if (refused) return callback(new RefusedAddressError(refused), '', 0);
        }
        if (options.all) callback(null, wanted);
        else callback(null, wanted[0].address, wanted[0].family);
      },
      (e: NodeJS.ErrnoException) => callback(e, '', 0),
    );
  };
}
