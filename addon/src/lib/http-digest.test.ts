import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { digestRequest, digestStats } from './http-digest.js';
import { startDigestServer } from './http-digest-server.test-helper.js';

test('a CGI answer larger than the bound is cut off with a clear error, and counted', async () => {
  // A "camera" that answers an endless body: before the bound, the client buffered all of it.
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const pump = () => {
      while (res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cgi-bin/magicBox.cgi`;
  const before = digestStats.oversizedBodies;
  try {
    await assert.rejects(
      digestRequest({ url, username: 'admin', password: 'pw', maxBodyBytes: 1024 * 1024 }),
      /larger than 1048576 bytes/,
    );
    assert.equal(digestStats.oversizedBodies, before + 1);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('a normal digest exchange still reads the whole answer', async () => {
  const cam = await startDigestServer('admin', 'pw');
  try {
    const r = await digestRequest({
      url: `${cam.baseUrl}/cgi-bin/ptz.cgi?action=stop`,
      username: 'admin',
      password: 'pw',
    });
    assert.equal(r.status, 200);
    assert.equal(r.body, 'OK\r\n');
  } finally {
    await cam.close();
  }
});
