/**
 * Camera event API:
 *   GET /api/events          feed health and current motion state per camera and kind
 *   GET /api/events/stream   live Server-Sent Events: snapshot first, then motion, state, feed
 */
import type { FastifyInstance } from 'fastify';
import type { EventFeedStatus, EventsAnswer, MotionEvent, MotionState } from '../../contracts/events.js';
import type { Redactor } from '../../lib/redact.js';
import { LookoutError } from '../../lib/errors.js';
import type { ApiLimits } from '../api/limits.js';

/** What the routes need (CameraControl fits as is). */
export interface EventSource {
  events(): EventsAnswer;
  on(event: 'motion', l: (ev: MotionEvent) => void): unknown;
  on(event: 'state', l: (s: MotionState) => void): unknown;
  on(event: 'feed', l: (s: EventFeedStatus) => void): unknown;
  off(event: 'motion', l: (ev: MotionEvent) => void): unknown;
  off(event: 'state', l: (s: MotionState) => void): unknown;
  off(event: 'feed', l: (s: EventFeedStatus) => void): unknown;
}

/** `limits`: the shared SSE cap (control/api/limits.ts); absent: unbounded (unit tests). */
export function eventRoutes(
  app: FastifyInstance,
  control: EventSource,
  redactor: Redactor,
  limits?: ApiLimits,
): void {
  // Open event streams would keep close() waiting forever: end them first.
  const streams = new Set<{ end: () => void }>();
  app.addHook('preClose', (done) => {
    for (const s of streams) s.end();
    done();
  });

  app.get('/api/events', async () => control.events());

  app.get('/api/events/stream', (req, reply) => {
    const release = limits ? limits.acquireSse() : () => undefined;
    if (!release) throw tooManyStreams(limits!.settings.maxSseClients);
    reply.hijack();
    const res = reply.raw;
    res.on('close', release);
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>), // CORS answers of the guard
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no', // Home Assistant ingress / nginx: do not buffer the stream
    });
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(redactor.redactValue(data))}\n\n`);
    };
    // Current state first, so a client never has to combine GET /api/events with the stream.
    send('snapshot', control.events());
    const onMotion = (d: unknown) => send('motion', d);
    const onState = (d: unknown) => send('state', d);
    const onFeed = (d: unknown) => send('feed', d);
    control.on('motion', onMotion);
    control.on('state', onState);
    control.on('feed', onFeed);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const cleanup = () => {
      clearInterval(heartbeat);
      control.off('motion', onMotion);
      control.off('state', onState);
      control.off('feed', onFeed);
    };
    const handle = { end: () => res.end() };
    streams.add(handle);
    req.raw.on('close', cleanup);
    res.on('close', () => {
      streams.delete(handle);
      cleanup();
    });
  });
}

export function tooManyStreams(max: number): LookoutError {
  return new LookoutError(
    503,
    'busy',
    `too many event streams open (${max}); close another page and try again`,
  );
}
