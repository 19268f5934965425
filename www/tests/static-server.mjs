// A tiny static file server for the page test: serves a folder on a free
// loopback port with the MIME types the page needs (application/wasm for
// WebAssembly.instantiateStreaming). Optionally under a sub-path, as a course
// site would host it, and optionally sending the .gz files with
// Content-Encoding: gzip, as some servers do. Not a test file itself.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gz': 'application/gzip',
  '.safetensors': 'application/octet-stream',
};

/**
 * Serves `root`; resolves to `{ url, requests, close() }` once listening.
 * `prefix` (`/a/b/`) serves the folder under that path only: anything outside
 * it is a 404. `requests` lists the path of every request the server was
 * sent, in order. `gzipEncoding` sends each .gz file as is with
 * `Content-Encoding: gzip`, which browsers unpack before the page sees it.
 */
export function serve(root, { prefix = '/', gzipEncoding = false } = {}) {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) throw new Error(`prefix ${prefix} must start and end with /`);
  const requests = [];
  const server = createServer(async (request, response) => {
    const pathname = new URL(request.url, 'http://localhost').pathname;
    requests.push(pathname);
    if (!pathname.startsWith(prefix)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${pathname} is outside ${prefix}`);
      return;
    }
    const path = decodeURIComponent(pathname.slice(prefix.length - 1));
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const { size } = await stat(file);
      const encoded = gzipEncoding && extname(file) === '.gz';
      response.writeHead(200, {
        'content-type': encoded ? 'application/octet-stream' : (TYPES[extname(file)] ?? 'application/octet-stream'),
        ...(encoded ? { 'content-encoding': 'gzip' } : {}),
        'content-length': size,
        'cache-control': 'no-cache',
      });
      createReadStream(file).pipe(response);
    } catch {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    }
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}${prefix}`,
        requests,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(done);
          }),
      });
    });
  });
}
