import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ISOLATION_HEADERS, MAX_URL_LENGTH, createStaticServer } from './serve.mjs';

interface Reply {
  status: number;
  type: string | undefined;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

describe('the static server', () => {
  let dir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'condense-demo-serve-'));
    await mkdir(join(dir, 'site/model'), { recursive: true });
    await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
    await writeFile(join(dir, 'site/index.html'), '<!doctype html>home');
    await writeFile(join(dir, 'site/main.js'), 'export {}');
    await writeFile(join(dir, 'site/kernels.wasm'), new Uint8Array([0, 97, 115, 109]));
    await writeFile(join(dir, 'site/model/model.cnn.json'), '{}');
    await writeFile(join(dir, 'site/model/model.cnn.bin'), new Uint8Array(8));
    server = createStaticServer(join(dir, 'site'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  /** A raw request: `path` goes on the wire as written, unlike fetch, which normalises `..`. */
  const get = (path: string, method = 'GET') =>
    new Promise<Reply>((done, fail) => {
      const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
        let body = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, type: res.headers['content-type'], body, headers: res.headers }));
      });
      req.on('error', fail);
      req.end();
    });

  it('serves index.html for / with its type', async () => {
    expect(await get('/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', body: '<!doctype html>home' });
    expect((await get('/index.html?x=1')).status).toBe(200);
  });

  it.each([
    ['/main.js', 'text/javascript; charset=utf-8'],
    ['/kernels.wasm', 'application/wasm'],
    ['/model/model.cnn.json', 'application/json; charset=utf-8'],
    ['/model/model.cnn.bin', 'application/octet-stream'],
  ])('serves %s as %s', async (path, type) => {
    const reply = await get(path);
    expect(reply.status).toBe(200);
    expect(reply.type).toBe(type);
  });

  it.each(['/', '/main.js', '/kernels.wasm', '/missing.js'])('makes the page cross-origin isolated (COOP + COEP) on %s, so it gets threads', async (path) => {
    const { headers } = await get(path);
    expect(ISOLATION_HEADERS).toEqual({ 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
    for (const [name, value] of Object.entries(ISOLATION_HEADERS)) expect(headers[name]).toBe(value);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    expect(await get('/main.js', 'HEAD')).toMatchObject({ status: 200, body: '' });
    expect((await get('/main.js', 'POST')).status).toBe(405);
  });

  it('answers 404 for files that are not there', async () => {
    expect(await get('/missing.js')).toMatchObject({ status: 404, body: 'not found: /missing.js\n' });
    expect((await get('/model/')).status).toBe(404);
  });

  it.each(['/..%2fsecret.txt', '/model/..%2f..%2fsecret.txt', '/%2e%2e%2fsecret.txt'])('refuses %s, which leaves the directory', async (path) => {
    const reply = await get(path);
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('TOP SECRET');
  });

  it('keeps plain .. segments inside the directory (the URL folds them)', async () => {
    const reply = await get('/../../secret.txt');
    expect(reply.status).toBe(404);
    expect(reply.body).not.toContain('TOP SECRET');
  });

  it('answers 400 for a malformed escape', async () => {
    expect((await get('/%E0%A4%A')).status).toBe(400);
  });

  // Found by packages/reliability's load and traversal checks.
  it('refuses a symbolic link that points outside the directory', async () => {
    await symlink(join(dir, 'secret.txt'), join(dir, 'site/leak.txt'));
    const reply = await get('/leak.txt');
    expect(reply.status).toBe(403);
    expect(reply.body).not.toContain('TOP SECRET');
  });

  it('refuses request bodies and overlong URLs instead of reading them', async () => {
    const withBody = await new Promise<number>((done, fail) => {
      const req = request({ host: '127.0.0.1', port, path: '/', method: 'GET', headers: { 'content-length': 10_000_000 } }, (res) => {
        res.resume();
        done(res.statusCode ?? 0);
      });
      req.on('error', fail);
      req.write('x'.repeat(1000));
    });
    expect(withBody).toBe(413);
    expect((await get(`/${'a'.repeat(MAX_URL_LENGTH)}`)).status).toBe(414);
  });
});
