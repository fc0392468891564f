// Serves the built demo (dist/) over http with no dependencies: `node scripts/serve.mjs
// [--port N] [--host H] [--dir DIR]`, port also from $PORT (default 5173), host 127.0.0.1.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export const DEFAULT_PORT = 5173;
/** Far longer than any path of the demo, short enough that a hostile one costs nothing. */
export const MAX_URL_LENGTH = 2048;

/** @type {Record<string, string>} */
export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  // WebAssembly.instantiateStreaming refuses any other type.
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Sent with every reply: they make the page cross-origin isolated, which is what gives it
 * SharedArrayBuffer and so the runtime's wasm kernels on worker threads (the page loads
 * nothing from other origins, so requiring CORP of them costs nothing).
 */
export const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/**
 * An http server for the files under `root`: GET and HEAD only, `/` and directories as their
 * index.html, 404 for what is not there, 403 for any path that would leave `root`.
 * @param {string} root
 */
export function createStaticServer(root) {
  const base = resolve(root);
  /** @type {string | undefined} */
  let realBase;
  return createServer(async (request, response) => {
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) response.setHeader(name, value);
    /** @param {number} status @param {string} message */
    const fail = (status, message) => {
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(`${message}\n`);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return fail(405, 'method not allowed');
    }
    // GET and HEAD carry no body; one is only a way to make the server read what it never uses.
    if (Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined) {
      response.setHeader('connection', 'close');
      return fail(413, 'request body not accepted: GET and HEAD take none');
    }
    if ((request.url ?? '').length > MAX_URL_LENGTH) return fail(414, `URL longer than ${MAX_URL_LENGTH} characters`);
    let path;
    try {
      path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    } catch {
      return fail(400, 'bad request: malformed URL');
    }
    // The URL parser already folds `..` segments; encoded separators and backslashes can still climb.
    let file = resolve(base, `.${path}`);
    if (path.includes('\0') || (file !== base && !file.startsWith(base + sep))) return fail(403, 'forbidden: outside the served directory');
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!info?.isFile()) return fail(404, `not found: ${path}`);
    // A symbolic link inside the directory may still point outside it.
    realBase ??= await realpath(base);
    const real = await realpath(file);
    if (real !== realBase && !real.startsWith(realBase + sep)) return fail(403, 'forbidden: outside the served directory');
    response.writeHead(200, {
      'content-type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      // A rebuilt demo must not mix with stale cached files.
      'cache-control': 'no-cache',
    });
    if (request.method === 'HEAD') return response.end();
    createReadStream(file).pipe(response);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, dir: { type: 'string' } } });
  const port = Number(values.port ?? process.env.PORT ?? DEFAULT_PORT);
  const host = values.host ?? '127.0.0.1';
  const dir = resolve(values.dir ?? fileURLToPath(new URL('../dist', import.meta.url)));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve: --port ${values.port ?? process.env.PORT} is not a port number (0-65535)`);
    process.exit(2);
  }
  if (!(await stat(join(dir, 'index.html')).catch(() => undefined))) {
    console.error(`serve: no index.html in ${dir}; build the demo first (npx -y pnpm@10.34.9 --filter @condensenet/demo build)`);
    process.exit(1);
  }
  const server = createStaticServer(dir);
  server.on('error', (/** @type {NodeJS.ErrnoException} */ e) => {
    console.error(e.code === 'EADDRINUSE' ? `serve: port ${port} is in use; pass --port N or set PORT` : `serve: ${e.message}`);
    process.exit(1);
  });
  server.listen(port, host, () => {
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    console.log(`CondenseNet demo: http://${host.includes(':') ? `[${host}]` : host}:${actual}/  (serving ${dir}; Ctrl-C stops)`);
  });
}
