import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSensitiveParam, SecretRedactor, urlRedactor } from './redact.js';

test('user-info in any URL is masked, and registered secrets in raw and encoded form', () => {
  const r = new SecretRedactor();
  r.setSecrets(['p@ss word)#', 'x']);
  const encoded = encodeURIComponent('p@ss word)#');
  const text = `rtsp://admin:${encoded}@192.0.2.1:554/s and http://u:v@h/ and "p@ss word)#" and ${encoded}`;
  const out = r.redact(text);
  assert.ok(!out.includes('p@ss word)#'));
  assert.ok(!out.includes(encoded));
  assert.match(out, /rtsp:\/\/\*\*\*@192\.0\.2\.1/);
  assert.match(out, /http:\/\/\*\*\*@h\//);
  // Too-short secrets are not registered (they would mask innocent text); "x" stays.
  assert.equal(r.redact('x'), 'x');
  assert.deepEqual(r.redactValue({ a: [`pw=p@ss word)#`] }), { a: ['pw=***'] });
});

test('two instances share no secrets; the URL-only redactor knows none', () => {
  const a = new SecretRedactor();
  const b = new SecretRedactor();
  a.setSecrets(['alpha-secret']);
  b.addSecrets(['bravo-secret']);
  assert.equal(a.redact('alpha-secret bravo-secret'), '*** bravo-secret');
  assert.equal(b.redact('alpha-secret bravo-secret'), 'alpha-secret ***');
  assert.equal(urlRedactor.redact('alpha-secret bravo-secret'), 'alpha-secret bravo-secret');
});

test('a reload replaces the config secrets (added and removed); run-time secrets stay', () => {
  const r = new SecretRedactor();
  r.setSecrets(['old-password']);
  r.addSecrets(['server-token-123']);
  assert.equal(r.redact('old-password new-password server-token-123'), '*** new-password ***');
  r.setSecrets(['new-password']);
  assert.equal(r.redact('old-password new-password server-token-123'), 'old-password *** ***');
  r.setSecrets([]);
  assert.equal(r.redact('new-password server-token-123'), 'new-password ***');
});

test('an unencoded @ in a password leaves no tail: user-info runs to the last @ of the authority', () => {
  assert.equal(urlRedactor.redact('rtsp://admin:p@ss@192.0.2.1/s'), 'rtsp://***@192.0.2.1/s');
  assert.equal(urlRedactor.redact('rtsp://admin:a@b@c@host:554/x y@z'), 'rtsp://***@host:554/x y@z');
  // The path is never taken for user-info.
  assert.equal(urlRedactor.redact('http://host/a@b'), 'http://host/a@b');
});

test('sensitive query parameters are masked by pattern, usernames stay', () => {
  for (const name of [
    'loginpas',
    'pwd',
    'pw',
    'pass',
    'passwd',
    'password',
    'PassWord',
    'auth',
    'apikey',
    'api_key',
    'access_token',
    'token',
    'user_pwd',
    'secret',
    'sig',
    'key',
  ]) {
    assert.ok(isSensitiveParam(name), name);
    assert.equal(
      urlRedactor.redact(`see http://cam/videostream.cgi?user=admin&${name}=hunter2&rate=0 now`),
      `see http://cam/videostream.cgi?user=admin&${name}=***&rate=0 now`,
      name,
    );
  }
  for (const name of ['user', 'loginuse', 'channel', 'subtype', 'rate', 'resolution']) {
    assert.ok(!isSensitiveParam(name), name);
  }
  // In a JSON log line the value ends at the quote.
  assert.equal(urlRedactor.redact('{"url":"/cgi?loginpas=abc","x":1}'), '{"url":"/cgi?loginpas=***","x":1}');
});

test('a password with " or \\ is masked in JSON text (log lines, API answers) too', () => {
  const r = new SecretRedactor();
  const pw = 'ab"c\\d';
  r.setSecrets([pw]);
  const line = JSON.stringify({ msg: `password is ${pw}`, nested: JSON.stringify({ pw }) });
  const out = r.redact(line);
  assert.ok(!out.includes('ab'), out);
  assert.ok(!out.includes('c\\\\d'), out);
  assert.deepEqual(JSON.parse(out), { msg: 'password is ***', nested: '{"pw":"***"}' });
  // Structured values are redacted before serialisation: the JSON stays valid whatever the secret.
  const tricky = new SecretRedactor();
  tricky.setSecrets(['"x":']);
  assert.deepEqual(tricky.redactValue({ a: 'say "x": hi', x: 1 }), { a: 'say *** hi', x: 1 });
});

test('+ for a space and lower-case percent-encoding are masked', () => {
  const r = new SecretRedactor();
  const pw = 'a b/c?d';
  r.setSecrets([pw]);
  for (const form of [
    'a+b%2Fc%3Fd',
    'a%20b%2fc%3fd',
    'a+b/c?d',
    encodeURIComponent(pw),
    encodeURIComponent(pw).toLowerCase(),
  ]) {
    assert.equal(r.redact(`x=${form};`), 'x=***;', form);
  }
  // Non-ASCII secrets: raw and UTF-8 percent-encoded, either case.
  const u = new SecretRedactor();
  u.setSecrets(['pässwört']);
  assert.equal(u.redact(`${encodeURIComponent('pässwört').toLowerCase()} pässwört`), '*** ***');
});
