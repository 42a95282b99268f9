import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor } from './redact.js';

test('user-info in any URL is masked, and registered secrets in raw and encoded form', () => {
  const r = new Redactor();
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
