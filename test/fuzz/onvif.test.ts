/**
 * Fuzz: what a camera's SOAP can do to Lookout's ONVIF side. Seeds are the recorded camera answers
 * (../shared/onvif-responses), mutated text-wise (cut, repeated, truncated, tags and numbers
 * changed). Two levels:
 *  - through the wire: the loopback ONVIF device answers one command with the mutated XML; the real
 *    OnvifSession (agsh/onvif underneath) connects or calls, and Lookout's readers (PTZ support,
 *    presets, event kinds) take the result. Property: a result or a CameraFault, nothing uncaught.
 *  - the event parser: a mutated PullMessages answer parsed as the library does (parseSOAPString,
 *    linerase), every notification through parseNotification. Property: a Detection or null.
 * Both in bounded time, with no unhandled rejection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CameraFault } from '../../addon/src/control/onvif/errors.js';
import { kindsFromEventProperties } from '../../addon/src/control/onvif/event-kinds.js';
import { readPtzSupport } from '../../addon/src/control/onvif/ptz-support.js';
import { OnvifSession } from '../../addon/src/control/onvif/session.js';
import { parseNotification } from '../../addon/src/control/onvif/topics.js';
import { normalisePresets } from '../../addon/src/control/ptz/presets.js';
import { startOnvifDevice, type OnvifDevice } from '../fixtures/onvif-device/index.js';
import { assertQuick, corpus, fc, params, trapUnhandled } from './harness.js';

const require = createRequire(import.meta.url);
const { parseSOAPString, linerase } = require('onvif/lib/utils') as {
  parseSOAPString: (xml: string, cb: (err: unknown, body: unknown) => void) => void;
  linerase: (v: unknown) => Record<string, unknown>;
};

const RESPONSES = process.env.LOOKOUT_ONVIF_RESPONSES ?? '/work/shared/onvif-responses';
/** The recorded answer, its few template placeholders filled with something plausible. */
const seed = (file: string) => readFileSync(join(RESPONSES, file), 'utf8').replace(/\{\{[\s\S]*?\}\}/g, '1');

/** What a session does with each command's answer, and the recorded answer it starts from. */
const CALLS = [
  { command: 'GetNodes', file: 'GetNodes.xml', run: (s: OnvifSession) => readPtzSupport(s, 'cam') },
  {
    command: 'GetPresets',
    file: 'ptz.GetPresets.xml',
    run: async (s: OnvifSession) =>
      normalisePresets(await s.call('getPresets', (profileToken) => [{ profileToken }])),
  },
  {
    command: 'GetEventProperties',
    file: 'GetEventProperties.xml',
    run: async (s: OnvifSession) => kindsFromEventProperties(await s.call('getEventProperties')),
  },
  {
    command: 'GetDeviceInformation',
    file: 'GetDeviceInformation.xml',
    run: (s: OnvifSession) => s.call('getDeviceInformation'),
  },
  {
    command: 'GetStreamUri',
    file: 'GetStreamUri.xml',
    run: (s: OnvifSession) => s.call('getStreamUri', (profileToken) => [{ protocol: 'RTSP', profileToken }]),
  },
  {
    command: 'GetStatus',
    file: 'GetStatus.xml',
    run: (s: OnvifSession) => s.call('getStatus', (profileToken) => [{ profileToken }]),
  },
];
/** Answers the library reads while connecting: a bad one must fail the connect, cleanly. */
const CONNECT = ['GetSystemDateAndTime.xml', 'GetCapabilities.xml', 'GetProfiles.xml', 'GetServices.xml'];

type Edit = { op: string; at: number; len?: number; value?: string; text?: string };

/** Text mutations that keep most of the document (so the parser gets deep before it trips). */
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ op: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ op: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('number' as const),
    at: fc.nat(),
    value: fc.constantFrom('-1', '1e309', 'NaN', '', '99999999999999999999', '0x10'),
  }),
  fc.record({
    op: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      '<tt:X>',
      '</tt:X>',
      '<a/>',
      '&amp;',
      '&bogus;',
      '<![CDATA[x]]>',
      '"',
      '<tptz:PTZNode token="">',
      'xmlns:q="u"',
      '\u0000',
    ),
  }),
);
function mutate(xml: string, edits: Edit[]): string {
  let s = xml;
  for (const e of edits) {
    const i = s.length ? e.at % s.length : 0;
    if (e.op === 'cut') s = s.slice(0, i) + s.slice(i + e.len!);
    else if (e.op === 'repeat') s = s.slice(0, i + e.len!) + s.slice(i);
    else if (e.op === 'truncate') s = s.slice(0, i);
    else if (e.op === 'number')
      s = s.replace(/>(-?\d+(\.\d+)?)</g, (m, _n, _f, off: number) =>
        off >= i && off < i + 400 ? `>${e.value}<` : m,
      );
    else s = s.slice(0, i) + e.text! + s.slice(i);
  }
  return s;
}

async function settles(what: string, p: Promise<unknown>): Promise<void> {
  const t0 = Date.now();
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CameraFault, `${what}: not a CameraFault: ${(err as Error).stack}`);
    assert.ok(err.message.length > 0 && err.message.length < 600, `${what}: unclear fault ${err.message}`);
  }
  assertQuick(t0, 5000, what);
}

describe('fuzz: ONVIF answers (SOAP through the library, events, PTZ, presets)', () => {
  const trap = trapUnhandled();
  let dev: OnvifDevice;
  let session: OnvifSession;
  const newSession = () =>
    new OnvifSession({
      camera: 'cam',
      endpoint: { host: '127.0.0.1', port: dev.port, path: '/onvif/device_service', credentials: null },
      timeoutMs: 3000,
      reconnectInitialMs: 1,
      reconnectMaxMs: 1,
    });
  before(async () => {
    dev = await startOnvifDevice();
    session = newSession();
    await session.ready();
  });
  after(async () => {
    session?.close();
    await dev?.close();
    trap.dispose();
  });

  test('corpus: every answer that once broke a reader is a clean fault now', async () => {
    // File: <Command>.<anything>.xml, served once as that command's answer.
    for (const { name, data } of corpus('onvif')) {
      const command = name.split('.')[0]!;
      const call = CALLS.find((c) => c.command === command);
      dev.setFault(command, data.toString('utf8'), 1);
      await settles(
        `corpus ${name}`,
        call
          ? call.run(session)
          : newSession()
              .ready()
              .then(() => undefined),
      );
      dev.setFault(command, null);
    }
    trap.check('onvif corpus');
  });

  test('a connected session: one command answered with a mutated recorded answer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: CALLS.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        async (i, edits) => {
          const call = CALLS[i]!;
          const xml = mutate(seed(call.file), edits);
          dev.setFault(call.command, xml.startsWith('<') ? xml : `<${xml}`, 1);
          await settles(`${call.command} ← ${xml.slice(0, 300)}`, call.run(session));
          dev.setFault(call.command, null);
        },
      ),
      params(120),
    );
    await new Promise((r) => setTimeout(r, 50));
    trap.check('onvif calls');
  });

  test('connecting: a mutated answer to one of the calls the library makes while connecting', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: CONNECT.length - 1 }),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        async (i, edits) => {
          const file = CONNECT[i]!;
          const command = file.replace(/\.xml$/, '');
          const xml = mutate(seed(file), edits);
          dev.setFault(command, xml.startsWith('<') ? xml : `<${xml}`, 1);
          const s = newSession();
          await settles(`connect, ${command} ← ${xml.slice(0, 300)}`, s.ready());
          s.close();
          dev.setFault(command, null);
        },
      ),
      params(60),
    );
    await new Promise((r) => setTimeout(r, 50));
    trap.check('onvif connect');
  });

  test('event parser: mutated PullMessages answers, every notification through parseNotification', () => {
    const pull = seed('PullMessages.xml');
    fc.assert(
      fc.property(fc.array(edit, { maxLength: 4 }), (edits) => {
        const xml = mutate(pull, edits);
        const t0 = Date.now();
        parseSOAPString(xml, (err, body) => {
          if (err || !Array.isArray(body)) return;
          let messages: unknown;
          try {
            messages = (linerase(body).pullMessagesResponse as { notificationMessage?: unknown } | undefined)
              ?.notificationMessage;
          } catch {
            return; // the library's own shape step; its throw is caught by invoke() in production
          }
          for (const m of Array.isArray(messages) ? messages : [messages]) {
            const d = parseNotification(m);
            assert.ok(
              d === null || (typeof d.key === 'string' && typeof d.kind === 'string'),
              'a Detection or null',
            );
          }
        });
        assertQuick(t0, 1000, 'one PullMessages answer');
      }),
      params(300),
    );
    trap.check('onvif events');
  });
});
