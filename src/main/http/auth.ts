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

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
export const isLoopbackHost = (host: string): boolean => loopbackHosts.has(host) || host.startsWith('127.');

/**
 * On a loopback server, a Host header naming any other host means a page of another origin reached us
 * through DNS rebinding: refuse it.
 */
export function isHostHeaderAllowed(request: IncomingMessage, boundHost: string): boolean {
  if (!isLoopbackHost(boundHost)) return true;
  const host = request.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
  return isLoopbackHost(name);
}
