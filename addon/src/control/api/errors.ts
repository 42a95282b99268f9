/**
 * One error handler for the whole API (fastify/demo style): our LookoutErrors keep their status and
 * message, request validation and malformed JSON become 400 with the reason, anything else is a 500
 * that says only "internal error" to the client and logs the details (redacted by the logger).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from '../../contracts/api.js';
import { LookoutError } from '../../lib/errors.js';
import type { ApiLimits } from './limits.js';

export function apiError(code: string, message: string): ApiError {
  return { error: { code, message } };
}

/**
 * Errors Fastify raises before any route or handler runs (a malformed `%` escape in the URL:
 * FST_ERR_BAD_URL): the same `{error: {code, message}}` shape as every other answer, not Fastify's.
 */
export function frameworkError(err: FastifyError, _req: FastifyRequest, reply: FastifyReply): void {
  void reply.status(400).send(apiError('bad_request', err.message));
}

export function installErrorHandlers(app: FastifyInstance, limits?: ApiLimits): void {
  app.setErrorHandler((err: FastifyError | LookoutError | Error, req, reply) => {
    if ((err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      limits?.count('unsupported_media_type');
      return reply
        .status(415)
        .send(
          apiError('unsupported_media_type', 'request bodies must be JSON (content-type: application/json)'),
        );
    }
    if (err instanceof LookoutError) {
      return reply.status(err.status).send(apiError(err.code, err.message));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send(apiError('bad_request', `invalid request: ${fe.message}`));
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(apiError('bad_request', fe.message));
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send(apiError('internal', 'internal error'));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(apiError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
}
