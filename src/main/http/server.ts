import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { ErrorCode, Result } from '../../shared/result';
import { fail } from '../../shared/result';
import { safeDecodeURIComponent } from '../../shared/uri';
import { ownerSession, type CallSession } from '../services/session-access';
import type { Workbench } from '../workbench';
import {
  createToken,
  isHostHeaderAllowed,
  isOriginAllowed,
  isTokenValid,
  presentedToken,
  tokenCookie,
} from './auth';
import { contentSecurityPolicy } from './content-security-policy';
import { serveStatic } from './static-files';

const statusOf: Record<ErrorCode, number> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  cancelled: 409,
  unavailable: 503,
  internal: 500,
};

const maxBodyBytes = 1 << 20;

export interface ServeOptions {
  workbench: Workbench;
  host: string;
  port: number;
  /** Folder of the built renderer (out/renderer); null serves the API only. */
  rendererDir: string | null;
  /** Fixed token (tests of the adapter); a random one per start otherwise. */
  token?: string;
}

export interface RunningServer {
  server: Server;
  url: string;
  /** The URL that opens the UI, carrying the token. */
  openUrl: string;
  token: string;
  close(): Promise<void>;
}

function sendJson(response: ServerResponse, status: number, body: Result<unknown>): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        reject(new Error(`body larger than ${maxBodyBytes} bytes`));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function handleInvoke(
  workbench: Workbench,
  channel: string,
  session: CallSession,
  request: IncomingMessage,
  response: ServerResponse,
) {
  if (request.method !== 'POST') {
    return sendJson(response, 405, fail('invalid_input', 'Use POST with a JSON body.', 'method'));
  }
  // JSON content type only: a cross-site form cannot send it without a CORS preflight, which we never grant.
  if (!(request.headers['content-type'] ?? '').startsWith('application/json')) {
    return sendJson(
      response,
      415,
      fail('invalid_input', 'Content-Type must be application/json.', 'content-type'),
    );
  }
  let input: unknown;
  try {
    const text = await readBody(request);
    input = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return sendJson(
      response,
      400,
      fail('invalid_input', `Request body is not valid JSON: ${reason}`, 'body'),
    );
  }
  const result = await workbench.invoke(channel, input, { transport: 'http', session });
  sendJson(response, result.ok ? 200 : statusOf[result.error.code], result);
}

function handleEvents(workbench: Workbench, request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
  });
  response.write(': connected\n\n');
  const unsubscribe = workbench.bus.subscribe((channel, payload) => {
    response.write(`event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`);
  });
  const heartbeat = setInterval(() => response.write(': heartbeat\n\n'), 15_000);
  request.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
  });
}

/** Serves the contract over HTTP (POST /api/invoke/<channel>, GET /api/events) and the built UI. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const token = options.token ?? createToken();
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Content-Security-Policy', contentSecurityPolicy);
    void route(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, fail('internal', String(error)));
      else response.end();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  /** The start token is the owner; an annotator's current token is that annotator; else nobody. */
  function sessionOf(presented: string | undefined): CallSession | null {
    if (presented === undefined) return null;
    if (isTokenValid(presented, token)) return ownerSession;
    return workbench.sessionForToken(presented);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (!isHostHeaderAllowed(request, options.host)) {
      return sendJson(
        response,
        403,
        fail('unauthorized', 'Host header not allowed for a loopback server.', 'host'),
      );
    }
    if (!isOriginAllowed(request)) {
      return sendJson(
        response,
        403,
        fail('unauthorized', 'Origin not allowed: requests from pages of other sites are refused.', 'origin'),
      );
    }
    const presented = presentedToken(request, url);
    const session = sessionOf(presented);
    if (presented === undefined || session === null) {
      const message =
        presented === undefined
          ? 'Missing token: open the URL printed by `ctt serve` (it carries ?token=…).'
          : 'Wrong token: each start of `ctt serve` prints a new URL with a new token, and a new annotator link replaces the old one.';
      return sendJson(response, 401, fail('unauthorized', message, 'token'));
    }
    if (url.pathname.startsWith('/api/invoke/')) {
      const channel = safeDecodeURIComponent(url.pathname.slice('/api/invoke/'.length));
      if (channel === null)
        return sendJson(
          response,
          400,
          fail('invalid_input', 'Malformed channel name in the path.', 'channel'),
        );
      return handleInvoke(workbench, channel, session, request, response);
    }
    if (url.pathname === '/api/events') return handleEvents(workbench, request, response);
    if (url.searchParams.has('token') && request.method === 'GET') {
      // Trade the token in the URL (the owner's or an annotator's) for a same-site cookie and drop it
      // from the address bar and history.
      response.writeHead(303, {
        'Set-Cookie': `${tokenCookie}=${encodeURIComponent(presented)}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname,
      });
      return void response.end();
    }
    if (options.rendererDir !== null && request.method === 'GET') {
      if (await serveStatic(options.rendererDir, url.pathname, response)) return;
    }
    sendJson(response, 404, fail('not_found', `Nothing at ${url.pathname}.`, 'path'));
  }

  const { workbench } = options;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${hostInUrl}:${port}`;
  return {
    server,
    url,
    openUrl: `${url}/?token=${token}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
