#!/usr/bin/env node
// Static file server for the demo pages in www/ (no dependencies).
//
//   node scripts/serve.mjs [port] [--root DIR] [--host HOST]
//   PORT=9000 node scripts/serve.mjs
//
// Binds to 127.0.0.1 only: the demo handles (sample) subscriber data and must
// never be reachable from the network. Serves GET and HEAD, maps "/" and
// directory paths to index.html, refuses any URL path that resolves outside
// the root (`..`, encoded or not, backslashes, NUL), and sends
// `Cache-Control: no-store` so a rebuilt package is picked up on reload.
// Symlinks that the developer put inside the root (e.g. www/pkg -> ../pkg)
// are followed: the check is on the requested path, which a client controls.
//
// For tests: `import { startServer } from './serve.mjs'`;
// `const s = await startServer({ root, port: 0 })` gives `s.url`, `s.port`,
// `s.close()`.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The default document root: the repository's www/ folder. */
export const DEFAULT_ROOT = path.resolve(HERE, '..', 'www');
/** The default port of `make demo`. */
export const DEFAULT_PORT = 8080;

/** Content types by lower-case file extension. */
export const MIME_TYPES = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.ndjson': 'application/x-ndjson; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.xml': 'application/xml; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
});

/** The Content-Type for a file path (application/octet-stream if unknown). */
export function contentType(filePath) {
  return MIME_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

// Headers sent with every response. The CSP is a second line of defence for the
// product promise that subscriber data never leaves the page: pages may only
// talk to this server. 'wasm-unsafe-eval' allows WebAssembly compilation;
// srcdoc iframes inherit this policy, and `sandbox=""` already blocks scripts
// in them.
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self' about: data: blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; '),
};

function send(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : '';
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** True if `child` is `parent` or lies inside it (both absolute, normalised). */
function isInside(parent, child) {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Maps a request URL path to a file inside `root`, or returns an HTTP status
 * for why it cannot be served.
 */
export async function resolveRequestPath(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  // NUL bytes and backslashes never name a legitimate file here; both are
  // classic traversal tricks.
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..')) return { status: 403 };
  let candidate = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (!isInside(root, candidate)) return { status: 403 };
  let info;
  try {
    info = await stat(candidate);
  } catch {
    return { status: 404 };
  }
  if (info.isDirectory()) {
    if (!decoded.endsWith('/')) return { status: 301, location: urlPath + '/' };
    candidate = path.join(candidate, 'index.html');
    try {
      info = await stat(candidate);
    } catch {
      return { status: 404 };
    }
  }
  if (!info.isFile()) return { status: 404 };
  return { status: 200, file: candidate, size: info.size };
}

/**
 * Starts the server. Resolves once it listens.
 * @param {{root?: string, port?: number, host?: string, log?: boolean}} [options]
 *   `port: 0` picks a free port.
 * @returns {Promise<{server: import('node:http').Server, url: string, port: number, host: string, root: string, close: () => Promise<void>}>}
 */
export async function startServer({ root = DEFAULT_ROOT, port = DEFAULT_PORT, host = '127.0.0.1', log = false } = {}) {
  const realRoot = await realpath(path.resolve(root));
  const server = createServer(async (req, res) => {
    const done = (status) => {
      if (log) console.log(`${status} ${req.method} ${req.url}`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return done(405);
    }
    let urlPath;
    try {
      urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    } catch {
      send(res, 400, 'Bad Request\n');
      return done(400);
    }
    const found = await resolveRequestPath(realRoot, urlPath);
    if (found.status === 301) {
      send(res, 301, 'Moved\n', { Location: found.location });
      return done(301);
    }
    if (found.status !== 200) {
      const reason = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' }[found.status] ?? 'Error';
      send(res, found.status, `${reason}\n`);
      return done(found.status);
    }
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': contentType(found.file),
      'Content-Length': found.size,
    });
    done(200);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host}:${actualPort}/`;
  return {
    server,
    url,
    port: actualPort,
    host,
    root: realRoot,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

function parseArgs(argv) {
  const options = { port: undefined, root: undefined, host: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--root') options.root = argv[++i];
    else if (arg === '--host') options.host = argv[++i];
    else if (arg === '--port') options.port = argv[++i];
    else if (arg === '-h' || arg === '--help') options.help = true;
    else if (/^\d+$/.test(arg)) options.port = arg;
    else throw new Error(`unknown argument: ${arg}`);
  }
  return options;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`serve.mjs: ${e.message}`);
    process.exit(2);
  }
  if (args.help) {
    console.log('usage: node scripts/serve.mjs [port] [--root DIR] [--host HOST]   (env: PORT)');
    return;
  }
  const port = Number(args.port ?? process.env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.mjs: bad port ${args.port ?? process.env.PORT}`);
    process.exit(2);
  }
  const host = args.host ?? process.env.HOST ?? '127.0.0.1';
  const root = args.root ?? DEFAULT_ROOT;
  let s;
  try {
    s = await startServer({ root, port, host, log: !!process.env.SERVE_LOG });
  } catch (e) {
    console.error(`serve.mjs: cannot serve ${root} on ${host}:${port}: ${e.message}`);
    process.exit(1);
  }
  console.log(`Serving ${s.root} at ${s.url}  (Ctrl-C to stop)`);
  const stop = () => s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
