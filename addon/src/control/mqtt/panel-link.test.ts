/**
 * The devices' configuration_url: the add-on's ingress page from the Supervisor's self info (a
 * loopback HTTP server answering as the Supervisor does), else Lookout's own listener.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { panelLink } from './panel-link.js';

async function fakeSupervisor(answer: (url: string, auth: string | undefined) => [number, unknown]) {
  const server = createServer((req, res) => {
    const [status, body] = answer(req.url ?? '', req.headers.authorization);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

test('in the add-on: homeassistant://hassio/ingress/<full slug> from /addons/self/info', async () => {
  const sup = await fakeSupervisor((url, auth) =>
    url === '/addons/self/info' && auth === 'Bearer tok'
      ? [200, { result: 'ok', data: { slug: 'a0d7b954_lookout', ingress_url: '/api/hassio_ingress/x/' } }]
      : [401, { result: 'error', message: 'no' }],
  );
  try {
    const env = { SUPERVISOR_TOKEN: 'tok', SUPERVISOR_URL: sup.url };
    assert.deepEqual(await panelLink({ env, host: '0.0.0.0', port: 8099 }), {
      url: 'homeassistant://hassio/ingress/a0d7b954_lookout',
      problem: null,
    });
    const bad = await panelLink({ env: { ...env, SUPERVISOR_TOKEN: 'other' }, host: '0.0.0.0', port: 8099 });
    assert.equal(bad.url, null);
    assert.match(bad.problem ?? '', /HTTP 401/);
    assert.ok(!bad.problem?.includes('other'), 'the token is not in the message');
  } finally {
    await sup.close();
  }
});

test('a malformed slug or no Supervisor answer: no link, a reason', async () => {
  const sup = await fakeSupervisor(() => [200, { result: 'ok', data: { slug: '../x' } }]);
  try {
    const r = await panelLink({
      env: { SUPERVISOR_TOKEN: 't', SUPERVISOR_URL: sup.url },
      host: '::',
      port: 1,
    });
    assert.deepEqual([r.url, /no add-on slug/.test(r.problem ?? '')], [null, true]);
  } finally {
    await sup.close();
  }
  const gone = await panelLink({
    env: { SUPERVISOR_TOKEN: 't', SUPERVISOR_URL: 'http://127.0.0.1:9' },
    host: '::',
    port: 1,
  });
  assert.equal(gone.url, null);
  assert.ok(gone.problem);
});

test('outside the add-on: the listener, the host name for a wildcard address, none for port 0', async () => {
  assert.equal((await panelLink({ env: {}, host: '127.0.0.1', port: 8080 })).url, 'http://127.0.0.1:8080/');
  assert.equal((await panelLink({ env: {}, host: '0.0.0.0', port: 8080 })).url, `http://${hostname()}:8080/`);
  assert.equal((await panelLink({ env: {}, host: '::1', port: 8080 })).url, 'http://[::1]:8080/');
  assert.equal((await panelLink({ env: {}, host: '127.0.0.1', port: 0 })).url, null);
});
