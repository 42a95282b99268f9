import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressParser, type FfmpegProgress } from './progress.js';
import { StderrRing } from './stderr-ring.js';
import { SecretRedactor } from '../lib/redact.js';

test('progress blocks are parsed across arbitrary chunk boundaries', () => {
  const blocks: FfmpegProgress[] = [];
  const p = new ProgressParser((b) => blocks.push(b));
  const text =
    'frame=30\nfps=15.00\ntotal_size=123456\nout_time_us=2000000\nspeed=1.01x\nprogress=continue\nframe=45\nfps=15.0\nspeed=1x\nprogress=end\n';
  for (let i = 0; i < text.length; i += 7) p.push(text.slice(i, i + 7));
  assert.equal(blocks.length, 2);
  assert.deepEqual(blocks[0], { frames: 30, fps: 15, speed: 1.01, totalSize: 123456, outTimeUs: 2000000 });
  assert.equal(blocks[1]!.frames, 45);
});

test('stderr ring keeps the last lines, redacted', () => {
  const redactor = new SecretRedactor();
  redactor.setSecrets(['hunter2)#']);
  const ring = new StderrRing(redactor, 3);
  ring.push('line 1\nline 2\r\n');
  ring.push('opening rtsp://admin:hunter2)#@10.0.0.1/stream\nline ');
  ring.push('4 with hunter2)# inside\n');
  const tail = ring.tail();
  assert.equal(tail.length, 3);
  assert.equal(tail[0], 'line 2');
  assert.ok(!tail.join('\n').includes('hunter2'), tail.join('\n'));
  assert.match(tail[1]!, /rtsp:\/\/\*\*\*@10\.0\.0\.1/);
});
