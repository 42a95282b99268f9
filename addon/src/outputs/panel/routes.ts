/**
 * Serves the Lit panel at `/` and its bundle under `/panel/` from dist/panel (built by
 * `npm run build:panel`). Without a build the answer is a 503 that says how to make one, never a
 * blank page.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

const FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'lookout-card.js': 'text/javascript; charset=utf-8',
  'lookout-card.js.map': 'application/json; charset=utf-8',
};

/** dist/panel/ seen from the source tree (tsx) or from the compiled tree (dist/addon/...). */
function bundleDir(): string {
  const candidates = [
    fileURLToPath(new URL('../../../../dist/panel/', import.meta.url)),
    fileURLToPath(new URL('../../../../panel/', import.meta.url)),
  ];
  return candidates.find((d) => existsSync(`${d}lookout-card.js`)) ?? candidates[0]!;
}

/** `dir` (tests): where the built files are; default dist/panel/, looked up on every request. */
export function panelRoutes(app: FastifyInstance, dir?: string): void {
  const send = async (name: string, reply: FastifyReply) => {
    const from = dir ?? bundleDir();
    if (!existsSync(`${from}${name}`)) {
      return reply.status(503).send({
        error: { code: 'panel_not_built', message: 'the panel is not built: run npm run build:panel' },
      });
    }
    return (
      reply
        .header('content-type', FILES[name]!)
        // Changes with every build: always revalidate, never a stale player.
        .header('cache-control', 'no-cache')
        .send(await readFile(`${from}${name}`))
    );
  };

  app.get('/', (_req, reply) => send('index.html', reply));
  app.get<{ Params: { file: string } }>('/panel/:file', (req, reply) => {
    const name = req.params.file;
    if (name === 'index.html' || !(name in FILES)) {
      return reply.status(404).send({ error: { code: 'not_found', message: `no file panel/${name}` } });
    }
    return send(name, reply);
  });
}
