import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHost } from './host.js';
import {
  buildFromPath,
  buildFromUrl,
  checkHttpUrl,
  encodeUserinfo,
  secretsInUrl,
  toDisplayUrl,
} from './source-url.js';

const NASTY = ['p)ss', 'p#ss', 'p@ss', 'p:ss', 'p/ss', '100%', 'two words', `a)#@:/% b!'()*?&=+[]`];

test('passwords with ) # @ : / % and spaces round-trip through new URL', () => {
  for (const password of NASTY) {
    for (const username of ['admin', 'us@r:name']) {
      const { sourceUrl } = buildFromPath(parseHost('192.168.1.20'), 554, '/h264Preview_01_main', {
        username,
        password,
      });
      const u = new URL(sourceUrl);
      assert.equal(decodeURIComponent(u.password), password, sourceUrl);
      assert.equal(decodeURIComponent(u.username), username);
      assert.equal(u.host, '192.168.1.20:554');
      assert.equal(u.pathname, '/h264Preview_01_main');
      // The raw characters that broke RTSP clients never appear unencoded in the userinfo.
      assert.doesNotMatch(u.password, /[)#@:/ ]/);
    }
  }
});

test('encodeUserinfo also encodes the characters encodeURIComponent leaves alone', () => {
  assert.equal(encodeUserinfo("!'()*"), '%21%27%28%29%2A');
});

test('path with a query string is joined to host and port', () => {
  const { sourceUrl, displayUrl } = buildFromPath(
    parseHost('cam.lan'),
    554,
    '/cam/realmonitor?channel=1&subtype=0',
    { username: 'admin', password: 's3cr#t' },
  );
  assert.equal(sourceUrl, 'rtsp://admin:s3cr%23t@cam.lan:554/cam/realmonitor?channel=1&subtype=0');
  assert.equal(displayUrl, 'rtsp://cam.lan:554/cam/realmonitor?channel=1&subtype=0');
});

test('IPv6 hosts are bracketed', () => {
  assert.equal(buildFromPath(parseHost('fe80::1'), 554, '/s', null).sourceUrl, 'rtsp://[fe80::1]:554/s');
});

test('url + credentials: credentials encoded in; displayUrl never holds them', () => {
  const r = buildFromUrl('rtsp://192.168.1.20:554/live', { username: 'admin', password: 'hunter2)' });
  assert.equal(r.sourceUrl, 'rtsp://admin:hunter2%29@192.168.1.20:554/live');
  assert.equal(r.displayUrl, 'rtsp://192.168.1.20:554/live');
  assert.ok(!r.displayUrl.includes('hunter2'));
});

test('credentials both inside the url and under credentials are refused, without quoting them', () => {
  assert.throws(
    () => buildFromUrl('rtsp://admin:hunter2@192.168.1.20/live', { username: 'admin', password: 'hunter2' }),
    (err: Error) => /credentials are given twice/.test(err.message) && !err.message.includes('hunter2'),
  );
});

test('credentials only in the url are kept, and hidden from displayUrl', () => {
  const r = buildFromUrl('rtsp://admin:hunter2@192.168.1.20/live', null);
  assert.equal(r.sourceUrl, 'rtsp://admin:hunter2@192.168.1.20/live');
  assert.equal(r.displayUrl, 'rtsp://192.168.1.20/live');
  assert.deepEqual(secretsInUrl(r.sourceUrl), ['hunter2', 'hunter2']);
});

test('schemes: srt and file get no credentials; unknown schemes are refused', () => {
  const creds = { username: 'admin', password: 'pw' };
  assert.equal(buildFromUrl('srt://cam:9000?streamid=x', creds).sourceUrl, 'srt://cam:9000?streamid=x');
  assert.equal(buildFromUrl('file:///tmp/clip.mp4', creds).sourceUrl, 'file:///tmp/clip.mp4');
  assert.equal(buildFromUrl('https://cam/x.m3u8', creds).sourceUrl, 'https://admin:pw@cam/x.m3u8');
  assert.throws(
    () => buildFromUrl('udp://239.0.0.1:1234', null),
    /unsupported URL scheme "udp"; use one of rtsp, rtsps, srt/,
  );
  assert.throws(() => buildFromUrl('192.168.1.20/live', null), /is not a URL/);
});

test('sensitive query values are masked in display URLs and collected as secrets', () => {
  const url = 'http://cam/cgi-bin/api.cgi?cmd=Snap&channel=0&user=admin&password=hunter2';
  assert.equal(toDisplayUrl(url), 'http://cam/cgi-bin/api.cgi?cmd=Snap&channel=0&user=admin&password=***');
  assert.deepEqual(secretsInUrl(url), ['hunter2']);
  assert.throws(() => checkHttpUrl('http://admin:pw@cam/snap.jpg'), /must not contain credentials/);
});
