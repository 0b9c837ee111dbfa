import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may call (docs/webhooks.md "Where Sundial may call"): only addresses that
 * ipaddr.js classifies as public unicast, unless an operator lists the range in
 * WEBHOOK_ALLOWED_CIDRS. Everything else — loopback, private, link-local (169.254.169.254, the
 * cloud metadata service), unique-local, multicast, unspecified, reserved, carrier-grade NAT,
 * the IPv4-mapped and translated IPv6 forms of those — is refused.
 */
export interface AddressPolicy {
  /** ranges an operator allows even though they are not public */
  allowedCidrs: Cidr[];
  /** NODE_ENV=production: plain http only to an address inside allowedCidrs */
  requireHttps: boolean;
}

export interface Cidr {
  /** as configured, for messages */
  text: string;
  range: [ipaddr.IPv4 | ipaddr.IPv6, number];
}

/** A URL or an address Sundial refuses to call; `message` names the address and why. */
export class AddressRefusedError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_REFUSED';
}

/** Parses one CIDR (`10.0.0.0/8`, `::1/128`) or a bare address (a single-address range). */
export function parseCidr(text: string): Cidr {
  const t = text.trim();
  if (t.includes('/')) {
    if (!ipaddr.isValidCIDR(t)) throw new Error(`"${t}" is not a CIDR range`);
    const [addr, bits] = ipaddr.parseCIDR(t);
    return { text: t, range: [normalise(addr), normalisedBits(addr, bits)] };
  }
  if (!ipaddr.isValid(t)) throw new Error(`"${t}" is not an address or a CIDR range`);
  const addr = ipaddr.parse(t);
  const norm = normalise(addr);
  return { text: t, range: [norm, norm.kind() === 'ipv4' ? 32 : 128] };
}

function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()
    ? (addr as ipaddr.IPv6).toIPv4Address()
    : addr;
}

function normalisedBits(addr: ipaddr.IPv4 | ipaddr.IPv6, bits: number): number {
  const mapped = addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress();
  return mapped ? Math.max(0, bits - 96) : bits;
}

function allowedBy(addr: ipaddr.IPv4 | ipaddr.IPv6, policy: AddressPolicy): boolean {
  return policy.allowedCidrs.some(
    ({ range }) => range[0].kind() === addr.kind() && addr.match(range),
  );
}

/** The name ipaddr.js gives the address's range (`unicast` for public addresses). */
export function addressRange(address: string): string {
  return normalise(ipaddr.parse(stripZone(address))).range();
}

function stripZone(address: string): string {
  const i = address.indexOf('%');
  return i < 0 ? address : address.slice(0, i);
}

/**
 * Checks one IP address (v4 or v6, IPv4-mapped forms included): null when Sundial may call it,
 * else why not. `https` says whether the call would be encrypted.
 */
export function refusalOf(address: string, policy: AddressPolicy, https: boolean): string | null {
  if (!ipaddr.isValid(stripZone(address))) return `${address} is not an IP address`;
  const addr = normalise(ipaddr.parse(stripZone(address)));
  if (allowedBy(addr, policy)) return null;
  const range = addr.range();
  if (range !== 'unicast') {
    return `${address} is a ${describe(range)} address (not public); WEBHOOK_ALLOWED_CIDRS can allow it`;
  }
  if (policy.requireHttps && !https) {
    return `http to ${address} is refused in production (use https, or list the range in WEBHOOK_ALLOWED_CIDRS)`;
  }
  return null;
}

function describe(range: string): string {
  const names: Record<string, string> = {
    linkLocal: 'link-local',
    uniqueLocal: 'unique-local',
    carrierGradeNat: 'carrier-grade NAT',
    ipv4Mapped: 'IPv4-mapped',
  };
  return names[range] ?? range;
}

/** `localhost` and its subdomains always name the loopback (RFC 6761); never ask DNS. */
function isLocalhostName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost');
}

export type Resolver = (host: string) => Promise<string[]>;

/** Every address the system resolver gives for `host` (A and AAAA). */
export const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses: LookupAddress[]) => {
      if (err) reject(err);
      else resolve(addresses.map((a) => a.address));
    });
  });

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * Checks a webhook URL before it is stored (deploy): http(s), a host, no credentials, and every
 * address the host resolves to allowed. Throws AddressRefusedError naming the address.
 */
export async function checkWebhookUrl(
  raw: string,
  policy: AddressPolicy,
  resolver: Resolver = systemResolver,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AddressRefusedError(`"${raw}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AddressRefusedError(`${url.protocol} URLs are refused; use http or https`);
  }
  if (url.hostname === '') throw new AddressRefusedError('the URL has no host');
  if (url.username !== '' || url.password !== '') {
    throw new AddressRefusedError('credentials in the URL are refused (use headers)');
  }
  const https = url.protocol === 'https:';
  const host = hostOf(url);
  let addresses: string[];
  if (isIP(stripZone(host))) addresses = [host];
  else if (isLocalhostName(host)) addresses = ['127.0.0.1', '::1'];
  else {
    try {
      addresses = await resolver(host);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new AddressRefusedError(`${host} does not resolve (${code})`);
    }
    if (addresses.length === 0) throw new AddressRefusedError(`${host} does not resolve`);
  }
  for (const address of addresses) {
    const why = refusalOf(address, policy, https);
    if (why !== null) {
      throw new AddressRefusedError(address === host ? why : `${host} resolves to ${why}`);
    }
  }
  return url;
}

/** dns.lookup's `all: true` form (a test may pass a resolver of its own). */
export type BaseLookup = (
  hostname: string,
  options: { all: true; verbatim: true; family: 0 | 4 | 6 },
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.Agent / net.connect that resolves as usual and then refuses the
 * connection unless every resolved address is allowed, so the address actually connected to is
 * the one checked (a name that resolved to a public address at deploy and to 10.0.0.1 now —
 * DNS rebinding — is refused). IP-literal hosts never reach a lookup: see checkLiteralHost.
 */
export function guardedLookup(
  policy: AddressPolicy,
  https: boolean,
  resolve: BaseLookup = dnsLookup,
) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ): void => {
    const done = (addresses: LookupAddress[]): void => {
      for (const { address } of addresses) {
        const why = refusalOf(address, policy, https);
        if (why !== null) {
          callback(new AddressRefusedError(`${hostname} resolves to ${why}`), []);
          return;
        }
      }
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    };
    if (isLocalhostName(hostname)) {
      done([
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]);
      return;
    }
    resolve(
      hostname,
      { all: true, verbatim: true, family: familyOf(options.family) },
      (err, addresses) => {
        if (err) callback(err, []);
        else if (addresses.length === 0)
          callback(new AddressRefusedError(`${hostname} does not resolve`), []);
        else done(addresses);
      },
    );
  };
}

function familyOf(family: number | string | undefined): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

/** The check for a URL whose host is an IP literal (net.connect skips the lookup for those). */
export function checkLiteralHost(url: URL, policy: AddressPolicy): void {
  const host = hostOf(url);
  if (!isIP(stripZone(host))) return;
  const why = refusalOf(host, policy, url.protocol === 'https:');
  if (why !== null) throw new AddressRefusedError(why);
}
