import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceToSupervisor, discoveryConfig } from './discovery.js';

/** A Supervisor stand-in on loopback that records what it is sent. */
async function fakeSupervisor(answer: { status: number; body: unknown }) {
  const seen: { method: string; url: string; auth: string; type: string; body: unknown }[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        auth: req.headers.authorization ?? '',
        type: req.headers['content-type'] ?? '',
        body: JSON.parse(data || 'null'),
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { seen, baseUrl, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('posts {service: lookout, config: {host, port, token}} with the Supervisor token', async (t) => {
  const sup = await fakeSupervisor({ status: 200, body: { result: 'ok', data: { uuid: 'abc' } } });
  t.after(sup.close);
  const uuid = await announceToSupervisor(
    { token: 'sup-token', baseUrl: sup.baseUrl },
    discoveryConfig(8099, 'api-t0ken', 'local-lookout'),
  );
  assert.equal(uuid, 'abc');
  assert.deepEqual(sup.seen, [
    {
      method: 'POST',
      url: '/discovery',
      auth: 'Bearer sup-token',
      type: 'application/json',
      body: { service: 'lookout', config: { host: 'local-lookout', port: 8099, token: 'api-t0ken' } },
    },
  ]);
});

test('no API token: none in the config; a refusal is an error without the token', async (t) => {
  assert.deepEqual(discoveryConfig(8099, null, 'h'), { host: 'h', port: 8099 });
  const sup = await fakeSupervisor({
    status: 403,
    body: { result: 'error', message: 'no discovery permission' },
  });
  t.after(sup.close);
  await assert.rejects(
    announceToSupervisor(
      { token: 'sup-token', baseUrl: sup.baseUrl },
      discoveryConfig(8099, 'api-t0ken', 'h'),
    ),
    (err: Error) => /HTTP 403: no discovery permission/.test(err.message) && !/t0ken/.test(err.message),
  );
  // A Supervisor that is not there: the error names the address and the cause.
  const gone = await fakeSupervisor({ status: 200, body: {} });
  await gone.close();
  await assert.rejects(
    announceToSupervisor({ token: 'x', baseUrl: gone.baseUrl }, discoveryConfig(1, null, 'h')),
    /\/discovery: ECONNREFUSED/,
  );
});
