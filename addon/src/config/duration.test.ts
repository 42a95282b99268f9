import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from './duration.js';
import { formatBitrate, parseBitrate } from './bitrate.js';
import { parseHost } from './host.js';

test('durations: units, bare numbers are seconds', () => {
  assert.equal(parseDuration('200ms'), 200);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration(5), 5000);
  assert.equal(parseDuration(0.2), 200);
});

test('durations: each mistake gets a precise message', () => {
  assert.throws(() => parseDuration('5x'), /invalid duration "5x": unknown unit "x"; use ms, s, m or h/);
  assert.throws(() => parseDuration('5'), /invalid duration "5": missing unit/);
  assert.throws(() => parseDuration('5 s'), /no spaces allowed \(write 5s\)/);
  assert.throws(() => parseDuration('-1s'), /must be greater than 0/);
  assert.throws(() => parseDuration(0), /must be greater than 0/);
  assert.throws(() => parseDuration('fast'), /invalid duration "fast"/);
  assert.throws(() => parseDuration(true), /expected a number or a string/);
});

test('durations format to their shortest exact spelling', () => {
  assert.deepEqual([200, 1500, 5000, 60_000, 120_000, 3_600_000, 90_000].map(formatDuration), [
    '200ms',
    '1.5s',
    '5s',
    '1m',
    '2m',
    '1h',
    '90s',
  ]);
  for (const s of ['200ms', '1.5s', '2m', '1h']) assert.equal(formatDuration(parseDuration(s)), s);
});

test('bitrates: k, M, bare kbit/s; lower-case m refused', () => {
  assert.equal(parseBitrate('512k'), 512);
  assert.equal(parseBitrate('2M'), 2000);
  assert.equal(parseBitrate('1.5M'), 1500);
  assert.equal(parseBitrate(800), 800);
  assert.throws(() => parseBitrate('2m'), /write M \(upper case\) for Mbit\/s/);
  assert.throws(() => parseBitrate('512'), /missing unit/);
  assert.throws(() => parseBitrate('512kbps'), /unknown unit "kbps"/);
  assert.equal(formatBitrate(512), '512k');
  assert.equal(formatBitrate(2000), '2M');
});

test('hosts: names, IPv4, IPv6; URLs, ports, paths and credentials refused', () => {
  assert.deepEqual(parseHost('192.168.1.20'), { name: '192.168.1.20', urlHost: '192.168.1.20' });
  assert.deepEqual(parseHost('cam-1.lan'), { name: 'cam-1.lan', urlHost: 'cam-1.lan' });
  assert.deepEqual(parseHost('fe80::1'), { name: 'fe80::1', urlHost: '[fe80::1]' });
  assert.deepEqual(parseHost('[fe80::1]'), { name: 'fe80::1', urlHost: '[fe80::1]' });
  assert.throws(() => parseHost('192.168.1.20:554'), /must not include a port; set rtsp_port/);
  assert.throws(() => parseHost('rtsp://192.168.1.20/x'), /is a URL/);
  assert.throws(() => parseHost('cam/x'), /must not contain a path/);
  assert.throws(
    () => parseHost('admin:hunter2@cam'),
    (err: Error) => /must not contain credentials/.test(err.message) && !err.message.includes('hunter2'),
  );
});
