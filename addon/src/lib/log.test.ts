import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from './log.js';
import { SecretRedactor } from './redact.js';

/** A logger writing JSON lines through `redactor` into an array. */
function capture(redactor?: SecretRedactor) {
  const lines: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (d: Buffer) => lines.push(...d.toString().split('\n').filter(Boolean)));
  return { log: createLogger({ pretty: false, destination: sink, redactor }), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

test('a password with " and \\ is masked in the JSON log line (escaped by serialisation)', async () => {
  const pw = 'qu"ote\\back';
  const redactor = new SecretRedactor();
  redactor.setSecrets([pw]);
  const { log, lines } = capture(redactor);
  log.info({ err: `login failed for ${pw}`, url: `rtsp://admin:${pw}@cam/s` }, `password ${pw}`);
  await flush();
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes('qu') && !lines[0]!.includes('back'), lines[0]);
  const entry = JSON.parse(lines[0]!) as { msg: string; err: string; url: string };
  assert.equal(entry.msg, 'password ***');
  assert.equal(entry.err, 'login failed for ***');
  assert.equal(entry.url, 'rtsp://***@cam/s');
});

test('each logger writes through its own app redactor: a second app never masks the first one’s secrets', async () => {
  const a = new SecretRedactor();
  a.setSecrets(['first-app-secret']);
  const first = capture(a);
  const second = capture(new SecretRedactor());
  first.log.info('first-app-secret');
  second.log.info('first-app-secret');
  await flush();
  assert.match(first.lines[0]!, /"msg":"\*\*\*"/);
  assert.match(second.lines[0]!, /"msg":"first-app-secret"/);
  // A reload that drops the secret stops masking it; one that adds a secret starts.
  a.setSecrets(['second-secret']);
  first.log.info('first-app-secret second-secret');
  await flush();
  assert.match(first.lines[1]!, /"msg":"first-app-secret \*\*\*"/);
});
