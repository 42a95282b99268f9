/**
 * Serves the minimal live page at `/` and its two scripts under `/live/`. Static files read from the
 * source tree (no build step); interim until the Lit panel replaces it.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'live-page.js': 'text/javascript; charset=utf-8',
  'mse-client.js': 'text/javascript; charset=utf-8',
};

/** The folder holding index.html: beside this module in the source tree, or the source copy from dist/. */
function pageDir(): string {
  const candidates = [
    fileURLToPath(new URL('.', import.meta.url)),
    fileURLToPath(new URL('../../../../../addon/src/outputs/live-page/', import.meta.url)),
  ];
  return candidates.find((d) => existsSync(`${d}index.html`)) ?? candidates[0]!;
}

export function livePageRoutes(app: FastifyInstance): void {
  const dir = pageDir();
  // The MSE client is the panel's player; the live page loads it from there until the panel replaces it.
  const fileDir = (name: string) =>
    name === 'mse-client.js'
      ? fileURLToPath(new URL('../../../../panel/src/players/', `file://${dir}`))
      : dir;
  const send = async (name: string, reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', FILES[name]!)
      // Small files that change with the code: always revalidate, never a stale player.
      .header('cache-control', 'no-cache')
      .send(await readFile(`${fileDir(name)}${name}`));

  app.get('/', (_req, reply) => send('index.html', reply));
  app.get<{ Params: { file: string } }>('/live/:file', async (req, reply) => {
    const name = req.params.file;
    if (name === 'index.html' || !(name in FILES)) {
      return reply.status(404).send({ error: { code: 'not_found', message: `no file live/${name}` } });
    }
    return send(name, reply);
  });
}
