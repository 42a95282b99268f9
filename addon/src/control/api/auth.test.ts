import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cookie, normaliseAddress, relativeLocation, sessionCookie } from './auth.js';

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
