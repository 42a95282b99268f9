/** server.token and server.trusted_proxies: a secret everywhere, and the add-on default for proxies. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainConfig } from './explain.js';
import { formatIssues } from './errors.js';
import { resolveConfig } from './resolve.js';

const TOKEN = 'abcdefghijklmnop-0123';
const CAMERAS = [{ id: 'porch', profiles: { main: { url: 'rtsp://10.0.0.2/s' } } }];

test('the token is a secret: in the redactor list, *** in explain', () => {
  const r = resolveConfig({ server: { token: '${TOK}' }, cameras: CAMERAS }, { env: { TOK: TOKEN } });
  assert.ok(r.ok);
  assert.equal(r.config.server.token, TOKEN);
  assert.ok(r.config.secrets.includes(TOKEN));
  const text = explainConfig(r);
  assert.match(text, /server\.token\s+\*\*\*\s+global/);
  assert.ok(!text.includes(TOKEN));
});

test('no token: no authentication; trusted proxies default to HA ingress only in the add-on', () => {
  const plain = resolveConfig({ cameras: CAMERAS }, { env: {} });
  assert.ok(plain.ok);
  assert.equal(plain.config.server.token, null);
  assert.deepEqual(plain.config.server.trustedProxies, []);
  const addon = resolveConfig({ cameras: CAMERAS }, { env: { SUPERVISOR_TOKEN: 'x' } });
  assert.ok(addon.ok);
  assert.deepEqual(addon.config.server.trustedProxies, ['172.30.32.2']);
  assert.match(
    explainConfig(addon),
    /server\.trustedProxies\s+\["172\.30\.32\.2"\]\s+built-in .*SUPERVISOR_TOKEN/,
  );
  const set = resolveConfig(
    { server: { trusted_proxies: ['10.0.0.1', '[FD00::2]'] }, cameras: CAMERAS },
    { env: { SUPERVISOR_TOKEN: 'x' } },
  );
  assert.ok(set.ok);
  assert.deepEqual(set.config.server.trustedProxies, ['10.0.0.1', 'fd00::2']);
});

test('errors: a short token (not echoed), a proxy that is not an IP address', () => {
  const r = resolveConfig(
    {
      server: { token: 'short-tok', trusted_proxies: ['172.30.32.2', 'supervisor', '10.0.0.0/8'] },
      cameras: CAMERAS,
    },
    { env: {} },
  );
  assert.ok(!r.ok);
  const text = r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  assert.match(text, /\/server\/token: .*16/);
  assert.ok(!text.includes('short-tok'), text);
  assert.match(text, /\/server\/trusted_proxies\/1: "supervisor" is not an IP address/);
  assert.match(text, /\/server\/trusted_proxies\/2: "10\.0\.0\.0\/8" is not an IP address/);
});

test('a bind beyond loopback needs a token or trusted proxies; the add-on (SUPERVISOR_TOKEN) has the ingress proxy', () => {
  const wide = { server: { host: '0.0.0.0' }, cameras: CAMERAS };
  const plain = resolveConfig(wide, { env: {}, baseDir: '/tmp' });
  assert.equal(plain.ok, false);
  assert.match(
    formatIssues(plain.ok ? [] : plain.errors, 'f.yaml'),
    /\/server\/host: listening on 0\.0\.0\.0 .*server\.token/,
  );
  const addon = resolveConfig(wide, { env: { SUPERVISOR_TOKEN: 'x' }, baseDir: '/tmp' });
  assert.ok(addon.ok, 'the add-on binds 0.0.0.0 behind its trusted ingress proxy');
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost'])
    assert.ok(resolveConfig({ server: { host }, cameras: CAMERAS }, { env: {}, baseDir: '/tmp' }).ok, host);
});
