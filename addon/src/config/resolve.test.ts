import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProvenanceEntry } from '../contracts/config.js';
import { explainCamera, explainConfig } from './explain.js';
import { formatIssues, type ConfigIssue } from './errors.js';
import { parseConfigText } from './load.js';
import { resolveConfig, type ConfigResult, type LoadedConfig, type ResolveOptions } from './resolve.js';
import { SecretRef } from './secrets.js';

const ENV = { CAM_PASSWORD: 'env-pass)#1' };

function ok(raw: unknown, opts: ResolveOptions = {}): LoadedConfig {
  const r = resolveConfig(raw, { env: ENV, ...opts });
  if (!r.ok) assert.fail(`expected a valid config, got:\n${formatIssues(r.errors)}`);
  return r;
}

function errors(raw: unknown, opts: ResolveOptions = {}): ConfigIssue[] {
  const r: ConfigResult = resolveConfig(raw, { env: ENV, ...opts });
  assert.equal(r.ok, false, 'expected errors');
  return r.ok ? [] : r.errors;
}

/** The one issue at `path`; fails listing all issues otherwise. */
function at(issues: ConfigIssue[], path: string): string {
  const found = issues.filter((i) => i.path === path);
  assert.equal(found.length, 1, `expected one issue at ${path}, got:\n${formatIssues(issues)}`);
  return found[0]!.message;
}

const cam = (extra: Record<string, unknown> = {}) => ({
  id: 'cam1',
  host: '192.168.1.20',
  vendor: 'reolink',
  profiles: { main: {} },
  ...extra,
});

function prov(loaded: LoadedConfig, id: string, path: string): ProvenanceEntry {
  const e = loaded.provenance.cameras[id]?.find((x) => x.path === path);
  assert.ok(e, `no provenance for ${id} ${path}`);
  return e;
}

test('a minimal in-memory config resolves with built-in defaults', () => {
  const { config } = ok(
    { cameras: [{ id: 'porch', profiles: { main: { url: 'rtsp://10.0.0.2/s' } } }] },
    { baseDir: '/srv/lookout' },
  );
  assert.deepEqual(config.server, {
    host: '127.0.0.1',
    port: 8080,
    dataDir: '/srv/lookout/.lookout',
    logLevel: 'info',
    token: null,
    trustedProxies: [],
    allowedHosts: [],
    corsOrigins: [],
    hwaccel: null,
  });
  const c = config.cameras[0]!;
  assert.equal(c.name, 'porch');
  assert.equal(c.vendor, 'generic');
  assert.deepEqual(c.capabilities, { ptz: false, presets: false, motionEvents: false, audioOut: false });
  assert.equal(c.onvif, null);
  assert.deepEqual(c.profiles.main, {
    name: 'main',
    sourceUrl: 'rtsp://10.0.0.2/s',
    displayUrl: 'rtsp://10.0.0.2/s',
    transport: 'auto',
    mode: 'copy',
    transcode: null,
    audio: 'auto',
    alwaysOn: false,
    tuning: {
      stallTimeoutMs: 5000,
      startupGraceMs: 10_000,
      idleTimeoutMs: 30_000,
      leaseTtlMs: 30_000,
      probeIntervalMs: 2000,
      backoffStepsMs: [1000, 2000, 5000, 10_000, 30_000, 60_000],
      backoffResetAfterMs: 30_000,
      rtspTimeoutMs: 5000,
      partTargetMs: 200,
    },
  });
  assert.equal(c.profiles.sub, undefined);
});

test('vendor presets give ports and paths; the camera host builds the URL', () => {
  const { config } = ok({
    cameras: [
      cam({ id: 'r', profiles: { main: {}, sub: {} } }),
      cam({ id: 'a', vendor: 'amcrest', profiles: { main: {}, sub: {} } }),
      cam({ id: 'd', vendor: 'dahua' }),
      cam({ id: 'h', vendor: 'hikvision', profiles: { main: {}, sub: {} } }),
      cam({ id: 't', vendor: 'tapo', profiles: { main: {}, sub: {} } }),
      cam({ id: 'u', vendor: 'unifi', profiles: { main: { path: '/alias1' } } }),
    ],
  });
  const urls = config.cameras.flatMap((c) => Object.values(c.profiles).map((p) => p!.displayUrl));
  assert.deepEqual(urls, [
    'rtsp://192.168.1.20:554/h264Preview_01_main',
    'rtsp://192.168.1.20:554/h264Preview_01_sub',
    'rtsp://192.168.1.20:554/cam/realmonitor?channel=1&subtype=0',
    'rtsp://192.168.1.20:554/cam/realmonitor?channel=1&subtype=1',
    'rtsp://192.168.1.20:554/cam/realmonitor?channel=1&subtype=0',
    'rtsp://192.168.1.20:554/Streaming/Channels/101',
    'rtsp://192.168.1.20:554/Streaming/Channels/102',
    'rtsp://192.168.1.20:554/stream1',
    'rtsp://192.168.1.20:554/stream2',
    'rtsp://192.168.1.20:7447/alias1',
  ]);
});

test('cascade: built-in < global < vendor preset < vendors.<v> < camera < profile, with provenance', () => {
  const loaded = ok({
    defaults: { transport: 'udp', audio: 'aac', stream: { idle_timeout: '45s', backoff: [1, 2, 4] } },
    vendors: { reolink: { stream: { startup_grace: '15s' }, audio: 'opus', sub_path: '/custom_sub' } },
    cameras: [
      cam({
        stream: { stall_timeout: '8s' },
        always_on: true,
        profiles: { main: { transport: 'tcp', stream: { part_target: '500ms' } }, sub: { always_on: false } },
      }),
    ],
  });
  const main = loaded.config.cameras[0]!.profiles.main!;
  const sub = loaded.config.cameras[0]!.profiles.sub!;
  assert.equal(main.transport, 'tcp');
  assert.equal(sub.transport, 'udp');
  assert.equal(main.alwaysOn, true);
  assert.equal(sub.alwaysOn, false);
  assert.equal(sub.displayUrl, 'rtsp://192.168.1.20:554/custom_sub');
  assert.deepEqual(main.tuning.backoffStepsMs, [1000, 2000, 4000]);

  const p = (path: string) => {
    const e = prov(loaded, 'cam1', path);
    return [e.value, e.level, e.origin];
  };
  assert.deepEqual(p('profiles.main.tuning.rtspTimeoutMs'), [5000, 'built-in', 'built-in default']);
  assert.deepEqual(p('profiles.main.tuning.idleTimeoutMs'), [
    45_000,
    'global',
    '/defaults/stream/idle_timeout',
  ]);
  assert.deepEqual(p('profiles.sub.transport'), ['udp', 'global', '/defaults/transport']);
  assert.deepEqual(p('rtspPort'), [554, 'vendor', 'built-in vendor preset "reolink"']);
  assert.deepEqual(p('profiles.main.path'), [
    '/h264Preview_01_main',
    'vendor',
    'built-in vendor preset "reolink"',
  ]);
  assert.deepEqual(p('profiles.sub.path'), ['/custom_sub', 'vendor', '/vendors/reolink/sub_path']);
  assert.deepEqual(p('profiles.main.audio'), ['opus', 'vendor', '/vendors/reolink/audio']);
  assert.deepEqual(p('profiles.main.tuning.startupGraceMs'), [
    15_000,
    'vendor',
    '/vendors/reolink/stream/startup_grace',
  ]);
  assert.deepEqual(p('profiles.main.tuning.stallTimeoutMs'), [
    8000,
    'camera',
    '/cameras/0/stream/stall_timeout',
  ]);
  assert.deepEqual(p('profiles.main.alwaysOn'), [true, 'camera', '/cameras/0/always_on']);
  assert.deepEqual(p('profiles.sub.alwaysOn'), [false, 'camera', '/cameras/0/profiles/sub/always_on']);
  assert.deepEqual(p('profiles.main.transport'), ['tcp', 'camera', '/cameras/0/profiles/main/transport']);
  assert.deepEqual(p('profiles.main.tuning.partTargetMs'), [
    500,
    'camera',
    '/cameras/0/profiles/main/stream/part_target',
  ]);
  assert.deepEqual(p('profiles.sub.tuning.partTargetMs'), [200, 'built-in', 'built-in default']);
});

test('vendors.<v> rtsp_port and onvif_port beat the preset; the camera beats both', () => {
  const loaded = ok({
    vendors: { reolink: { rtsp_port: 10554, onvif_port: 8999 } },
    cameras: [cam({ onvif: {} }), cam({ id: 'cam2', rtsp_port: 20554, onvif: { port: 9000 } })],
  });
  const [a, b] = loaded.config.cameras;
  assert.equal(a!.profiles.main!.displayUrl, 'rtsp://192.168.1.20:10554/h264Preview_01_main');
  assert.equal(a!.onvif!.port, 8999);
  assert.equal(prov(loaded, 'cam1', 'onvif.port').origin, '/vendors/reolink/onvif_port');
  assert.equal(b!.profiles.main!.displayUrl, 'rtsp://192.168.1.20:20554/h264Preview_01_main');
  assert.equal(b!.onvif!.port, 9000);
  assert.equal(prov(loaded, 'cam2', 'onvif.port').origin, '/cameras/1/onvif/port');
});

test('onvif: host and credentials default to the camera; vendor onvif enables it by default', () => {
  const { config } = ok({
    cameras: [
      cam({ credentials: { username: 'admin', password: 'pw' }, onvif: {} }),
      { id: 'o', vendor: 'onvif', host: 'cam.lan', profiles: { main: { url: 'rtsp://cam.lan/s' } } },
      cam({
        id: 'x',
        credentials: { username: 'admin', password: 'pw' },
        onvif: { host: '10.0.0.9', credentials: { username: 'ptz' } },
      }),
    ],
  });
  assert.deepEqual(config.cameras[0]!.onvif, {
    host: '192.168.1.20',
    port: 8000,
    path: '/onvif/device_service',
    credentials: { username: 'admin', password: 'pw' },
  });
  assert.deepEqual(config.cameras[1]!.onvif, {
    host: 'cam.lan',
    port: 80,
    path: '/onvif/device_service',
    credentials: null,
  });
  assert.deepEqual(config.cameras[2]!.onvif, {
    host: '10.0.0.9',
    port: 8000,
    path: '/onvif/device_service',
    credentials: { username: 'ptz', password: '' },
  });
});

test('error: unknown key names the key', () => {
  assert.match(
    at(errors({ cameras: [cam({ strem: {} })] }), '/cameras/0/strem'),
    /^unknown key "strem" \(did you mean "stream"\?\)/,
  );
});

test('error: bad enum lists the allowed values (typos and upper case)', () => {
  const issues = errors({
    defaults: { transport: 'TCP' },
    cameras: [cam({ vendor: 'reolnik', audio: 'mp3' })],
  });
  assert.equal(
    at(issues, '/defaults/transport'),
    'must be one of: auto, tcp, udp (got "TCP"; did you mean "tcp"?)',
  );
  assert.match(
    at(issues, '/cameras/0/vendor'),
    /^must be one of: generic, reolink, amcrest, dahua, hikvision, unifi, tapo, onvif \(got "reolnik"; did you mean "reolink"\?\)$/,
  );
  assert.equal(at(issues, '/cameras/0/audio'), 'must be one of: auto, copy, aac, opus, drop (got "mp3")');
  // An unknown vendor must not cascade into "no default path" noise.
  assert.equal(issues.length, 3, formatIssues(issues));
});

test('error: bad durations and tuning constraints, at the level that wrote them', () => {
  const issues = errors({
    defaults: { stream: { part_target: '50ms', backoff: ['1s', '5s', '2s'] } },
    vendors: { reolink: { stream: { idle_timeout: '30 s' } } },
    cameras: [cam({ stream: { stall_timeout: '5x', probe_interval: 0 } })],
  });
  assert.equal(
    at(issues, '/defaults/stream/part_target'),
    'part_target must be between 100ms and 2s (got 50ms)',
  );
  assert.equal(at(issues, '/defaults/stream/backoff/2'), 'backoff must not decrease: 2s follows 5s');
  assert.match(at(issues, '/vendors/reolink/stream/idle_timeout'), /^invalid duration "30 s"/);
  assert.equal(
    at(issues, '/cameras/0/stream/stall_timeout'),
    'invalid duration "5x": unknown unit "x"; use ms, s, m or h',
  );
  assert.equal(at(issues, '/cameras/0/stream/probe_interval'), 'must be > 0 (got 0)');
});

test('error: stall_timeout shorter than probe_interval is reported where it was set', () => {
  const issues = errors({ cameras: [cam({ stream: { stall_timeout: '1s', probe_interval: '3s' } })] });
  assert.match(
    at(issues, '/cameras/0/stream/stall_timeout'),
    /^stall_timeout \(1s\) must be at least probe_interval \(3s\)/,
  );
});

test('error: copy mode with transcode options names the camera and the field', () => {
  const issues = errors({
    cameras: [cam(), cam({ id: 'garage', profiles: { main: {}, sub: { transcode: { width: 640 } } } })],
  });
  assert.equal(
    at(issues, '/cameras/1/profiles/sub/transcode'),
    'camera "garage" profile "sub": transcode options need mode: transcode (copy mode cannot filter or re-encode)',
  );
  // Explicit mode: copy is the same mistake.
  const again = errors({ cameras: [cam({ profiles: { main: { mode: 'copy', transcode: {} } } })] });
  assert.match(
    at(again, '/cameras/0/profiles/main/transcode'),
    /camera "cam1" profile "main": transcode options need mode: transcode/,
  );
});

test('transcode: defaults, null fps kept, GOP must be whole frames', () => {
  const { config } = ok({ cameras: [cam({ profiles: { main: {}, sub: { mode: 'transcode' } } })] });
  assert.deepEqual(config.cameras[0]!.profiles.sub!.transcode, {
    width: null,
    height: null,
    fps: null,
    keyframeIntervalS: 1,
    bitrateKbps: null,
    preset: 'veryfast',
  });
  assert.equal(config.cameras[0]!.profiles.main!.transcode, null);
  const full = ok({
    cameras: [
      cam({
        profiles: {
          main: {
            mode: 'transcode',
            transcode: {
              width: 1280,
              fps: 15,
              keyframe_interval: '200ms',
              bitrate: '2M',
              preset: 'ultrafast',
            },
          },
        },
      }),
    ],
  });
  assert.deepEqual(full.config.cameras[0]!.profiles.main!.transcode, {
    width: 1280,
    height: null,
    fps: 15,
    keyframeIntervalS: 0.2,
    bitrateKbps: 2000,
    preset: 'ultrafast',
  });
  const issues = errors({
    cameras: [
      cam({
        profiles: {
          main: {
            mode: 'transcode',
            transcode: { width: 641, fps: 10, keyframe_interval: '250ms', bitrate: '2m' },
          },
        },
      }),
    ],
  });
  assert.equal(at(issues, '/cameras/0/profiles/main/transcode/width'), 'must be a multiple of 2 (got 641)');
  assert.match(
    at(issues, '/cameras/0/profiles/main/transcode/keyframe_interval'),
    /is 2.5 frames; the GOP must be a whole number of frames/,
  );
  assert.match(at(issues, '/cameras/0/profiles/main/transcode/bitrate'), /write M \(upper case\)/);
});

test('error: duplicate camera ids give both paths', () => {
  const issues = errors({ cameras: [cam(), cam({ host: '10.0.0.1' })] });
  assert.equal(at(issues, '/cameras/1/id'), 'duplicate camera id "cam1" (also at /cameras/0/id)');
});

test('error: missing environment variable, at the value that asked for it', () => {
  const issues = errors({
    cameras: [cam({ credentials: { username: 'admin', password: '${NOPE_NOT_SET}' } })],
  });
  assert.equal(at(issues, '/cameras/0/credentials/password'), 'environment variable NOPE_NOT_SET is not set');
});

test('${ENV} anywhere in a string; $${ is a literal', () => {
  const { config } = ok(
    { cameras: [cam({ host: '${CAM_HOST}', name: 'Cost $${x} at ${CAM_HOST}' })] },
    { env: { CAM_HOST: 'cam.lan' } },
  );
  assert.equal(config.cameras[0]!.host, 'cam.lan');
  assert.equal(config.cameras[0]!.name, 'Cost ${x} at cam.lan');
});

test('error: !secret with no secrets file, an unknown name, an unreadable file', () => {
  const ref = (name: string) => cam({ credentials: { username: 'admin', password: new SecretRef(name) } });
  assert.equal(
    at(errors({ cameras: [ref('front')] }), '/cameras/0/credentials/password'),
    '!secret "front" is used but no secrets_file is set',
  );
  assert.equal(
    at(errors({ cameras: [ref('nope')] }, { secrets: { front: 'x' } }), '/cameras/0/credentials/password'),
    'secret "nope" is not in the in-memory secrets',
  );
  const dir = mkdtempSync(join(tmpdir(), 'lookout-config-'));
  writeFileSync(join(dir, 'secrets.yaml'), 'front: "0123"\nback: 0123\n');
  const issues = errors({ secrets_file: 'secrets.yaml', cameras: [ref('nope')] }, { baseDir: dir });
  assert.equal(
    at(issues, '/cameras/0/credentials/password'),
    'secret "nope" is not in secrets file secrets.yaml',
  );
  const missing = errors({ secrets_file: 'absent.yaml', cameras: [ref('front')] }, { baseDir: dir });
  assert.match(at(missing, '/secrets_file'), /^cannot read secrets file .*absent\.yaml: no such file$/);
  // The file resolves relative to baseDir, and values stay the exact text (0123 is not 123).
  const loaded = ok({ secrets_file: 'secrets.yaml', cameras: [ref('back')] }, { baseDir: dir });
  assert.equal(loaded.config.cameras[0]!.credentials!.password, '0123');
});

test('error: credentials both in url and under credentials', () => {
  const issues = errors({
    cameras: [
      {
        id: 'c',
        credentials: { username: 'admin', password: 'hunter2' },
        profiles: { main: { url: 'rtsp://admin:hunter2@10.0.0.1/s' } },
      },
    ],
  });
  assert.match(
    at(issues, '/cameras/0/profiles/main/url'),
    /^camera "c" profile "main": credentials are given twice/,
  );
});

test('error: generic vendor with neither url nor path; url and path together; path without host', () => {
  const issues = errors({
    cameras: [
      { id: 'g', profiles: { main: {} } },
      { id: 'u', vendor: 'unifi', host: 'nvr', profiles: { main: {} } },
      { id: 'b', host: 'h', profiles: { main: { url: 'rtsp://h/s', path: '/s' } } },
      { id: 'n', vendor: 'reolink', profiles: { main: {}, sub: { path: '/x' } } },
    ],
  });
  assert.equal(
    at(issues, '/cameras/0/profiles/main'),
    'camera "g" profile "main": set url or path (vendor "generic" has no default main path)',
  );
  assert.match(
    at(issues, '/cameras/1/profiles/main'),
    /vendor "unifi" has no default main path; UniFi Protect streams use a per-camera alias/,
  );
  assert.equal(
    at(issues, '/cameras/2/profiles/main/path'),
    'camera "b" profile "main": set either url or path, not both',
  );
  assert.equal(
    at(issues, '/cameras/3/host'),
    'camera "n" needs a host: profile "main" and "sub" builds its URL from host and path',
  );
});

test('error: missing main profile, host with a port, snapshot_url with credentials', () => {
  const issues = errors({
    cameras: [
      { id: 'a', host: '10.0.0.1', profiles: { sub: { url: 'rtsp://x/s' } } },
      cam({ id: 'b', host: '10.0.0.1:554' }),
      cam({ id: 'c', snapshot_url: 'http://admin:pw@10.0.0.1/snap.jpg' }),
    ],
  });
  assert.equal(at(issues, '/cameras/0/profiles/main'), 'missing required key "main"');
  assert.match(at(issues, '/cameras/1/host'), /must not include a port; set rtsp_port/);
  assert.match(
    at(issues, '/cameras/2/snapshot_url'),
    /^camera "c": snapshot_url must not contain credentials/,
  );
});

test('every problem is reported at once: schema, substitution and semantic together', () => {
  const issues = errors({
    servr: {},
    defaults: { audio: 'AAC' },
    cameras: [
      cam({ stream: { stall_timeout: 'x' }, credentials: { username: 'a', password: '${MISSING_ONE}' } }),
      { id: 'gen', profiles: { main: {} } },
      cam({ id: 'garage', profiles: { main: {}, sub: { transcode: { fps: 5 } } } }),
      cam(),
    ],
  });
  assert.deepEqual(
    issues.map((i) => i.path),
    [
      '/cameras/0/credentials/password',
      '/cameras/0/stream/stall_timeout',
      '/cameras/1/profiles/main',
      '/cameras/2/profiles/sub/transcode',
      '/cameras/3/id',
      '/defaults/audio',
      '/servr',
    ],
  );
});

test('the empty and non-map configs are errors, not crashes', () => {
  assert.deepEqual(
    errors(null).map((i) => i.path),
    [''],
  );
  assert.deepEqual(
    errors([1, 2]).map((i) => i.path),
    [''],
  );
  assert.deepEqual(
    errors({}).map((i) => i.message),
    ['missing required key "cameras"'],
  );
  assert.deepEqual(
    errors({ cameras: [null, 'x', { id: 1 }] }).map((i) => i.path),
    ['/cameras/0', '/cameras/1', '/cameras/2/id', '/cameras/2/profiles'],
  );
});

test('secrets: credentials in a profile path query (Foscam) are collected, masked by name in displayUrl', () => {
  const loaded = ok({
    cameras: [
      cam({
        profiles: {
          main: { path: '/videostream.cgi?loginuse=admin&loginpas=f0scamPW&rate=0' },
          sub: { path: '/snap.cgi?user=admin&pwd=subPw123&user_pwd=upw456&access_token=tok789' },
        },
      }),
    ],
  });
  for (const s of ['f0scamPW', 'subPw123', 'upw456', 'tok789'])
    assert.ok(loaded.config.secrets.includes(s), `secrets should include ${s}`);
  const { main, sub } = loaded.config.cameras[0]!.profiles;
  assert.match(main!.displayUrl, /\?loginuse=admin&loginpas=\*\*\*&rate=0$/);
  assert.match(sub!.displayUrl, /\?user=admin&pwd=\*\*\*&user_pwd=\*\*\*&access_token=\*\*\*$/);
  const text = explainConfig(loaded) + explainCamera(loaded, 'cam1');
  for (const s of ['f0scamPW', 'subPw123', 'upw456', 'tok789'])
    assert.ok(!text.includes(s), `explain leaked ${s}`);
});

test('secrets: collected for the redactor (with encoded forms), never in errors, explain or displayUrl', () => {
  const secret = 'Tr0ub4dor&3)#';
  const loaded = ok(
    {
      cameras: [
        cam({ credentials: { username: 'admin', password: new SecretRef('front') }, onvif: {} }),
        {
          id: 'u',
          profiles: { main: { url: 'rtsp://admin:urlpass1@10.0.0.2/s' } },
          snapshot_url: 'http://10.0.0.2/snap?password=qpass123',
        },
      ],
    },
    { secrets: { front: secret } },
  );
  for (const s of [
    secret,
    encodeURIComponent(secret).replace(/[()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    'urlpass1',
    'qpass123',
  ]) {
    assert.ok(loaded.config.secrets.includes(s), `secrets should include ${s}`);
  }
  const main = loaded.config.cameras[0]!.profiles.main!;
  assert.equal(decodeURIComponent(new URL(main.sourceUrl).password), secret);
  assert.ok(!main.displayUrl.includes('Tr0ub4dor'));
  const text = explainConfig(loaded) + explainCamera(loaded, 'cam1');
  for (const s of [secret, 'urlpass1', 'qpass123', 'Tr0ub4dor'])
    assert.ok(!text.includes(s), `explain leaked ${s}`);
  assert.match(explainCamera(loaded, 'cam1'), /credentials\.password\s+\*\*\*/);

  // A secret quoted by an error message (here: a secret used where an enum is expected) is masked.
  const issues = errors(
    {
      cameras: [
        cam({
          transport: new SecretRef('front'),
          credentials: { username: 'admin', password: secret },
          host: 'bad host',
        }),
      ],
    },
    { secrets: { front: secret } },
  );
  const all = formatIssues(issues);
  assert.ok(!all.includes(secret) && !all.includes('Tr0ub4dor'), all);
  assert.match(all, /must be one of: auto, tcp, udp \(got "\*\*\*"\)/);
});

test('YAML: syntax errors, unknown tags and duplicate keys carry a line; other problems too', () => {
  const bad = parseConfigText('cameras:\n  - id: a\n    id: b\n');
  assert.equal(bad.ok, false);
  if (!bad.ok)
    assert.deepEqual(
      bad.errors.map((e) => [e.path, e.line]),
      [['', 3]],
    );
  const tag = parseConfigText('cameras:\n  - id: a\n    name: !env NAME\n');
  assert.equal(tag.ok, false);
  if (!tag.ok) assert.match(tag.errors[0]!.message, /^YAML: .*!env/);
  const r = parseConfigText(
    [
      'cameras:',
      '  - id: a',
      '    host: 10.0.0.1',
      '    vendor: reolink',
      '    profiles:',
      '      main:',
      '        transport: TCP',
      '      sub: { mode: copy, transcode: { fps: 5 } }',
    ].join('\n'),
    { env: {} },
  );
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.deepEqual(
      r.errors.map((e) => [e.path, e.line]),
      [
        ['/cameras/0/profiles/main/transport', 7],
        ['/cameras/0/profiles/sub/transcode', 8],
      ],
    );
  }
});

test('YAML anchors and merge keys work for repeated camera settings', () => {
  const r = parseConfigText(
    [
      'x-common: &common',
      '  vendor: reolink',
      '  credentials: { username: admin, password: "${CAM_PASSWORD}" }',
      'cameras:',
      '  - { <<: *common, id: a, host: 10.0.0.1, profiles: { main: {} } }',
      '  - { <<: *common, id: b, host: 10.0.0.2, profiles: { main: {} } }',
    ].join('\n'),
    { env: ENV },
  );
  // Top-level x- keys are ignored extension keys, a home for anchors.
  assert.ok(r.ok, r.ok ? '' : formatIssues(r.errors));
  if (r.ok)
    assert.deepEqual(
      r.config.cameras.map((c) => c.credentials?.username),
      ['admin', 'admin'],
    );
  const r2 = parseConfigText(
    [
      'cameras:',
      '  - &first { id: a, vendor: reolink, host: 10.0.0.1, credentials: { username: admin, password: "${CAM_PASSWORD}" }, profiles: { main: {} } }',
      '  - { <<: *first, id: b, host: 10.0.0.2 }',
    ].join('\n'),
    { env: ENV },
  );
  assert.ok(r2.ok, r2.ok ? '' : formatIssues(r2.errors));
  if (r2.ok)
    assert.equal(r2.config.cameras[1]!.profiles.main!.displayUrl, 'rtsp://10.0.0.2:554/h264Preview_01_main');
});

test('camera motion block: defaults, values, and typos reported with their path', () => {
  const base = { id: 'cam', vendor: 'generic', profiles: { main: { url: 'rtsp://127.0.0.1/x' } } };
  const good = resolveConfig(
    {
      cameras: [
        {
          ...base,
          motion: { source: 'pixel', sensitivity: 80, masks: [{ x: 0, y: 0, width: 1, height: 0.1 }] },
        },
      ],
    },
    { env: {} },
  );
  assert.ok(good.ok);
  assert.deepEqual(good.config.cameras[0]!.motion, {
    source: 'pixel',
    sensitivity: 80,
    masks: [{ x: 0, y: 0, width: 1, height: 0.1 }],
  });
  const dflt = resolveConfig({ cameras: [base] }, { env: {} });
  assert.ok(dflt.ok);
  assert.deepEqual(dflt.config.cameras[0]!.motion, { source: 'auto', sensitivity: 50, masks: [] });
  const bad = resolveConfig(
    {
      cameras: [{ ...base, motion: { source: 'pixle', sensitivity: 0, masks: [{ x: 2, y: 0, width: 1 }] } }],
    },
    { env: {} },
  );
  assert.ok(!bad.ok);
  const paths = bad.errors.map((e) => e.path);
  for (const p of [
    '/cameras/0/motion/source',
    '/cameras/0/motion/sensitivity',
    '/cameras/0/motion/masks/0/x',
    '/cameras/0/motion/masks/0/height',
  ]) {
    assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
  }
  assert.match(
    bad.errors.find((e) => e.path === '/cameras/0/motion/source')!.message,
    /auto.*onvif.*pixel.*off/,
  );
});

test('recording stills: global default, camera override, bad values at their path', () => {
  const cam = (extra: object) => ({
    id: 'cam',
    vendor: 'generic',
    profiles: { main: { url: 'rtsp://127.0.0.1/x' } },
    ...extra,
  });
  const r = resolveConfig(
    {
      recording: { stills: { interval: '60s' } },
      cameras: [cam({}), { ...cam({ recording: { stills: { retention: '2d' } } }), id: 'b' }],
    },
    { env: {} },
  );
  assert.ok(r.ok);
  assert.deepEqual(r.config.recording.defaults.stills, { intervalMs: 60_000, retentionMs: 7 * 86_400_000 });
  assert.deepEqual(r.config.recording.cameras['b']?.stills, {
    intervalMs: 60_000,
    retentionMs: 2 * 86_400_000,
  });
  const bad = resolveConfig(
    { cameras: [cam({ recording: { stills: { interval: '200ms', retention: 'soon' } } })] },
    { env: {} },
  );
  assert.ok(!bad.ok);
  const paths = bad.errors.map((e) => e.path);
  assert.ok(paths.includes('/cameras/0/recording/stills/interval'), paths.join(', '));
  assert.ok(paths.includes('/cameras/0/recording/stills/retention'), paths.join(', '));
});
