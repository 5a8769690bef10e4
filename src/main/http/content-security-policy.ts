/**
 * Content-Security-Policy of the UI, for the Electron window (meta tag in the built index.html) and
 * serve mode (response header). Inline styles are allowed for recharts' computed style attributes;
 * scripts come only from the app itself.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
