/**
 * Builds the HTTP API (routes only; listening is server.ts's job, so tests can use app.inject()).
 * Every answer passes the redactor on its way out: even a bug that put a source URL with a password
 * into a response could not leak it.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../../lib/log.js';
import { redactor } from '../../lib/redact.js';
import type { Supervisor } from '../../supervisor/supervisor.js';
import { installErrorHandlers } from './errors.js';
import { cameraRoutes } from './routes/cameras.js';
import { healthRoutes } from './routes/health.js';
import { streamRoutes } from './routes/streams.js';

export interface ApiDeps {
  supervisor: Supervisor;
  log: Logger;
  version: string;
}

export function buildApi(deps: ApiDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log.child({ component: 'api' }) as FastifyBaseLogger,
    disableRequestLogging: true,
    // Bodies are small JSON commands; anything bigger is a mistake or an attack.
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
  });
  installErrorHandlers(app);
  // An empty body with content-type JSON is "no options", not a parse error.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, null);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      const e = new Error(`malformed JSON body: ${(err as Error).message}`) as Error & { statusCode: number };
      e.statusCode = 400;
      done(e, undefined);
    }
  });
  app.addHook('onSend', async (_req, _reply, payload) => (typeof payload === 'string' ? redactor.redact(payload) : payload));

  cameraRoutes(app, deps.supervisor);
  streamRoutes(app, deps.supervisor);
  healthRoutes(app, deps.supervisor, deps.version);
  return app;
}
