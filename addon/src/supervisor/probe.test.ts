import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { probeSource } from './probe.js';

function listen(onConn: (s: import('node:net').Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(onConn);
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

test('an RTSP answer (even 401) means up; a closed port means down; silence times out as down', async () => {
  let request = '';
  const rtsp = await listen((s) =>
    s.on('data', (d) => {
      request += d.toString();
      s.end('RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n\r\n');
    }),
  );
  const silentSockets: import('node:net').Socket[] = [];
  const silent = await listen((s) => silentSockets.push(s));
  const closed = await listen(() => {});
  const closedPort = closed.port;
  await new Promise((r) => closed.server.close(r));
  try {
    assert.equal(await probeSource(`rtsp://user:secret@127.0.0.1:${rtsp.port}/cam`), 'up');
    assert.match(request, /^OPTIONS rtsp:\/\/127\.0\.0\.1:\d+\/cam RTSP\/1\.0/);
    assert.ok(!request.includes('secret'), 'credentials are not sent in the probe');
    assert.equal(await probeSource(`rtsp://127.0.0.1:${closedPort}/cam`), 'down');
    assert.equal(await probeSource(`rtsp://127.0.0.1:${silent.port}/cam`, 300), 'down');
    assert.equal(await probeSource('srt://127.0.0.1:9000'), 'unknown');
  } finally {
    rtsp.server.close();
    for (const s of silentSockets) s.destroy();
    silent.server.close();
  }
});
