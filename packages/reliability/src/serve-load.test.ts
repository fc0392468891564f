import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type Server, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type CreateStaticServer = (root: string) => Server;

interface Reply {
  status: number;
  body: string;
}

/** 200 clients at once on the loopback interface only; each request has its own deadline. */
const CONCURRENT = 200;
const REQUEST_DEADLINE_MS = 10_000;

describe("the demo's static server under hostile and heavy load", () => {
  let dir: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    const { createStaticServer } = (await import(new URL('../../../apps/demo/scripts/serve.mjs', import.meta.url).href)) as { createStaticServer: CreateStaticServer };
    dir = await mkdtemp(join(tmpdir(), 'condense-serve-load-'));
    await mkdir(join(dir, 'site/model'), { recursive: true });
    await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
    await writeFile(join(dir, 'site/index.html'), '<!doctype html>home');
    await writeFile(join(dir, 'site/model/model.cnn.bin'), new Uint8Array(256 * 1024).fill(7));
    server = createStaticServer(join(dir, 'site'));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  const send = (path: string, headers: Record<string, string | number> = {}, body?: string) =>
    new Promise<Reply>((done, fail) => {
      const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: REQUEST_DEADLINE_MS }, (res) => {
        let text = '';
        res.setEncoding('latin1');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer to ${path.slice(0, 40)} in ${REQUEST_DEADLINE_MS} ms`)));
      req.on('error', fail);
      req.end(body);
    });

  it('refuses every traversal, encoded or not', async () => {
    for (const path of ['/%2e%2e/secret.txt', '/..%2fsecret.txt', '/..%5csecret.txt', '/model/..%2f..%2fsecret.txt', '/%00', '//etc/passwd', '/../../secret.txt']) {
      const reply = await send(path);
      expect([400, 403, 404], path).toContain(reply.status);
      expect(reply.body, path).not.toContain('TOP SECRET');
    }
  });

  it('refuses oversized requests: headers, URLs and bodies', async () => {
    expect((await send('/', { 'x-padding': 'a'.repeat(64 * 1024) })).status).toBe(431);
    expect((await send(`/${'a'.repeat(8192)}`)).status).toBe(414);
    // The server may answer and close before the body is sent: a reset is a refusal too.
    const reset = (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? { status: 413, body: '' } : Promise.reject(e));
    expect((await send('/', { 'content-length': 1_000_000 }, 'x'.repeat(1000)).catch(reset)).status).toBe(413);
  });

  it(`answers ${CONCURRENT} concurrent requests, then still serves`, async () => {
    const started = performance.now();
    const replies = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => send(i % 2 ? '/model/model.cnn.bin' : '/')));
    expect(replies.map((r) => r.status)).toEqual(Array(CONCURRENT).fill(200));
    expect(replies.filter((_, i) => i % 2 === 1).every((r) => r.body.length === 256 * 1024)).toBe(true);
    expect(performance.now() - started).toBeLessThan(REQUEST_DEADLINE_MS);
    expect((await send('/')).body).toBe('<!doctype html>home');
  });
});
