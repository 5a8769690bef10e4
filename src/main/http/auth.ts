import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { safeDecodeURIComponent } from '../../shared/uri';

export const tokenCookie = 'ctt_token';

/** A fresh 192-bit token for one server start, URL-safe. */
export const createToken = (): string => randomBytes(24).toString('base64url');

function readCookie(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    // A malformed cookie counts as no token.
    if (key === name) return safeDecodeURIComponent(rest.join('=')) ?? undefined;
  }
  return undefined;
}

/** The token a request presents: `Authorization: Bearer`, then `?token=`, then the session cookie. */
export function presentedToken(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url.searchParams.get('token') ?? readCookie(request, tokenCookie);
}

export function isTokenValid(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const loopbackNames = new Set(['localhost', '[::1]', '::1']);
/** An IPv4 literal in 127.0.0.0/8 (not a DNS name that merely starts with "127.", like 127.0.0.1.evil.example). */
const ipv4Loopback = /^127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const isLoopbackHost = (host: string): boolean =>
  loopbackNames.has(host.toLowerCase()) || ipv4Loopback.test(host);

/** `name`, `name:port`, `[v6]` or `[v6]:port`: the name, or null when the header has another shape. */
function hostName(header: string): string | null {
  const match = /^(\[[0-9a-fA-F:.]*\]|[^:[\]]+)(?::\d{1,5})?$/.exec(header);
  return match === null ? null : match[1]!;
}

/**
 * On a loopback server, a Host header naming any other host means a page of another origin reached us
 * through DNS rebinding: refuse it.
 */
export function isHostHeaderAllowed(request: IncomingMessage, boundHost: string): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  const name = hostName(request.headers.host ?? '');
  return name !== null && isLoopbackHost(name);
}

/**
 * A request that names its Origin (browsers send it on cross-origin requests and on same-origin POSTs)
 * must come from a page this server served, `http://<Host header>`: a page of another site that holds a
 * token (or rides the cookie) is refused. Requests without Origin (navigations, curl, the CLI) pass;
 * the token still decides.
 */
export function isOriginAllowed(request: IncomingMessage): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const host = request.headers.host;
  if (host === undefined || host === '') return false;
  return origin.toLowerCase() === `http://${host.toLowerCase()}`;
}
