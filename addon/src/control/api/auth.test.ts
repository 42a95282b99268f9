import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { cookie, installAuth, normaliseAddress, relativeLocation, sessionCookie } from './auth.js';

test('the redirect after ?token= is relative, so a path prefix in front of Lookout survives', () => {
  assert.equal(relativeLocation('/', new URLSearchParams()), './');
  assert.equal(relativeLocation('/', new URLSearchParams('view=grid')), './?view=grid');
  assert.equal(relativeLocation('/live/index.html', new URLSearchParams('a=1&b=2')), './index.html?a=1&b=2');
  // A segment with a colon would read as a scheme without the ./ prefix.
  assert.equal(relativeLocation('/x/a:b', new URLSearchParams()), './a:b');
});

test('cookie parsing picks the named cookie among others', () => {
  const req = { headers: { cookie: 'a=1; lookout_session=abc_-; other=lookout_session=no' } };
  assert.equal(cookie(req, 'lookout_session'), 'abc_-');
  assert.equal(cookie({ headers: {} }, 'lookout_session'), undefined);
  assert.equal(cookie({ headers: { cookie: 'xlookout_session=1' } }, 'lookout_session'), undefined);
});

test('session cookie attributes; Secure only over https', () => {
  assert.equal(
    sessionCookie('v', false),
    'lookout_session=v; Max-Age=604800; HttpOnly; SameSite=Strict; Path=/',
  );
  assert.equal(
    sessionCookie('v', true),
    'lookout_session=v; Max-Age=604800; HttpOnly; SameSite=Strict; Path=/; Secure',
  );
});

test('IPv4-mapped IPv6 peers compare as IPv4', () => {
  assert.equal(normaliseAddress('::ffff:172.30.32.2'), '172.30.32.2');
  assert.equal(normaliseAddress('[FD00::1]'), 'fd00::1');
  assert.equal(normaliseAddress('172.30.32.2'), '172.30.32.2');
});

describe('session cookie: expires and rotates (a real Fastify with the auth hook, the clock moved)', () => {
  const TOKEN = 'tok-3f9c1a7e5b2d4c6e8a0b1c2d';
  const DAY_MS = 24 * 3600 * 1000;
  let clock = Date.UTC(2026, 0, 1);
  const build = (token = TOKEN) => {
    const app = Fastify();
    installAuth(app, { token, trustedProxies: [], now: () => clock });
    app.get('/api/streams', async () => ({ ok: true }));
    return app;
  };
  const valueOf = (setCookie: unknown) => String(setCookie).split(';')[0]!;

  test('a cookie is accepted for a week from its issue, re-issued once a day old, refused after', async () => {
    const app = build();
    const login = await app.inject({ url: `/api/streams?token=${TOKEN}` });
    assert.equal(login.statusCode, 302);
    const first = valueOf(login.headers['set-cookie']);
    assert.match(first, /^lookout_session=\d+\.[A-Za-z0-9_-]{43}$/);
    assert.ok(!first.includes(TOKEN));

    const fresh = await app.inject({ url: '/api/streams', headers: { cookie: first } });
    assert.equal(fresh.statusCode, 200);
    assert.equal(fresh.headers['set-cookie'], undefined, 'a fresh cookie is not re-issued');

    clock += 2 * DAY_MS;
    const rotated = await app.inject({ url: '/api/streams', headers: { cookie: first } });
    assert.equal(rotated.statusCode, 200);
    const second = valueOf(rotated.headers['set-cookie']);
    assert.notEqual(second, first, 'a day-old cookie is replaced by one with a new issue time');

    clock += 6 * DAY_MS; // the first is 8 days old now, the second 6
    assert.equal((await app.inject({ url: '/api/streams', headers: { cookie: first } })).statusCode, 401);
    assert.equal((await app.inject({ url: '/api/streams', headers: { cookie: second } })).statusCode, 200);
    await app.close();
  });

  test('a forged issue time, a cookie from another token or from the future are refused', async () => {
    const app = build();
    const login = await app.inject({ url: `/?token=${TOKEN}` });
    const value = valueOf(login.headers['set-cookie']).slice('lookout_session='.length);
    const [issued, mac] = value.split('.');
    const forged = `lookout_session=${Number(issued) + 3600}.${mac}`;
    assert.equal((await app.inject({ url: '/api/streams', headers: { cookie: forged } })).statusCode, 401);
    const other = build('another-token-of-24-chars');
    assert.equal(
      (await other.inject({ url: '/api/streams', headers: { cookie: `lookout_session=${value}` } }))
        .statusCode,
      401,
      'changing the token ends every session',
    );
    clock -= 3 * DAY_MS; // the cookie now claims an issue time days ahead of the clock
    assert.equal(
      (await app.inject({ url: '/api/streams', headers: { cookie: `lookout_session=${value}` } })).statusCode,
      401,
    );
    clock += 3 * DAY_MS;
    await app.close();
    await other.close();
  });
});
