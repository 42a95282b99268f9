/**
 * TEST ONLY: a loopback Hikvision camera's two-way audio over ISAPI, on a raw TCP server because
 * `PUT audioData` is HTTP only up to its header: after it, the socket carries raw G.711 that an HTTP
 * server would try to parse as the next request. Digest is checked for real (every request,
 * keep-alive connections answering a challenge on the same socket); every step is logged in order.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { digestVerifier } from '../../lib/http-digest-server.test-helper.js';
import type { ReceivedAudio } from '../talkback-peer.test-helper.js';

export interface IsapiCameraOptions {
  user: string;
  pass: string;
  /** `audioCompressionType` of channel 1. Default G.711ulaw. */
  codec?: string;
  /** `open` answers 403 deviceBusy. */
  busy?: boolean;
  /** Every 401 says `Connection: close` and closes (the client must reconnect). */
  closeAfter401?: boolean;
}

export interface IsapiCamera {
  baseUrl: string;
  /** `GET channels`, `PUT close`, `PUT open`, `PUT audioData` … in arrival order (authorised only). */
  log: string[];
  /** Requests refused with 401 after a wrong answer. */
  refused: number;
  /** One entry per audioData socket. */
  audio: (ReceivedAudio & { contentType: string | undefined; socket: Socket; ended: Promise<void> })[];
  close(): Promise<void>;
}

const CHANNELS = (codec: string) => `<?xml version="1.0" encoding="UTF-8"?>
<TwoWayAudioChannelList version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<TwoWayAudioChannel version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<id>1</id>
<enabled>false</enabled>
<audioCompressionType>${codec}</audioCompressionType>
<speakerVolume>50</speakerVolume>
<noisereduce>false</noisereduce>
<audioSamplingRate>8</audioSamplingRate>
</TwoWayAudioChannel>
</TwoWayAudioChannelList>
`;

export async function startIsapiCamera(o: IsapiCameraOptions): Promise<IsapiCamera> {
  const digest = digestVerifier(o.user, o.pass, 'IP Camera(C1234)');
  const sockets = new Set<Socket>();
  const cam: IsapiCamera = { baseUrl: '', log: [], refused: 0, audio: [], close: async () => undefined };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let audio: IsapiCamera['audio'][number] | null = null;
    const reply = (status: string, body = '', extra: string[] = []) =>
      socket.write(
        [
          `HTTP/1.1 ${status}`,
          'Content-Type: application/xml',
          `Content-Length: ${Buffer.byteLength(body)}`,
          ...extra,
        ]
          .join('\r\n')
          .concat('\r\n\r\n', body),
      );
    socket.on('data', (chunk: Buffer) => {
      if (audio) {
        audio.chunks.push({ at: Date.now(), bytes: chunk });
        return;
      }
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
        const [method = '', url = ''] = (lines[0] ?? '').split(' ');
        const h = new Map<string, string>();
        for (const l of lines.slice(1)) {
          const i = l.indexOf(':');
          if (i > 0) h.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
        }
        const length = Number(h.get('content-length') ?? 0);
        if (buf.length < end + 4 + length) return;
        const rest = buf.subarray(end + 4 + length);
        buf = Buffer.alloc(0);
        const auth = h.get('authorization') ?? '';
        if (!digest.verify(method, url, auth)) {
          if (auth) cam.refused++;
          reply('401 Unauthorized', '<ResponseStatus><statusCode>4</statusCode></ResponseStatus>', [
            `WWW-Authenticate: ${digest.challenge()}`,
            ...(o.closeAfter401 ? ['Connection: close'] : []),
          ]);
          if (o.closeAfter401) socket.end();
          buf = rest;
          if (o.closeAfter401) return;
          continue;
        }
        const path = url.replace(/^\/ISAPI\/System\/TwoWayAudio\/channels/, '');
        if (method === 'GET' && path === '') {
          cam.log.push('GET channels');
          reply('200 OK', CHANNELS(o.codec ?? 'G.711ulaw'));
        } else if (method === 'PUT' && path === '/1/close') {
          cam.log.push('PUT close');
          reply('200 OK', '<ResponseStatus><statusCode>1</statusCode></ResponseStatus>');
        } else if (method === 'PUT' && path === '/1/open') {
          cam.log.push('PUT open');
          if (o.busy)
            reply(
              '403 Forbidden',
              '<ResponseStatus><statusCode>3</statusCode><subStatusCode>deviceBusy</subStatusCode></ResponseStatus>',
            );
          else reply('200 OK', '<TwoWayAudioSession><sessionId>4f2a</sessionId></TwoWayAudioSession>');
        } else if (method === 'PUT' && path === '/1/audioData') {
          cam.log.push('PUT audioData');
          audio = {
            chunks: [],
            contentType: h.get('content-type'),
            socket,
            ended: new Promise((r) => socket.once('close', () => r())),
          };
          cam.audio.push(audio);
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
          if (rest.length) audio.chunks.push({ at: Date.now(), bytes: rest });
          return;
        } else {
          cam.log.push(`${method} ${url} (unknown)`);
          reply('404 Not Found');
        }
        buf = rest;
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cam.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cam.close = () =>
    new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  return cam;
}
