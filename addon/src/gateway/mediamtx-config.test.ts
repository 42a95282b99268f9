/**
 * The generated mediamtx.yml against MediaMTX v1.20.1's own reference config (../shared/mediamtx):
 * MediaMTX's parser rejects unknown keys, so every key written must exist there; camera credentials
 * appear only in the path sources; YAML 1.1 booleans cannot sneak in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { resolveConfig } from '../config/index.js';
import {
  buildMediamtxConfig,
  gatewayPaths,
  renderMediamtxConfig,
  type GatewayListen,
} from './mediamtx-config.js';
import { gatewayOptionsFromEnv } from './env.js';
import { DEFAULT_LISTEN } from './gateway.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const shared = process.env.LOOKOUT_SHARED_DIR ?? `${root}../shared`;
const reference = parse(readFileSync(`${shared}/mediamtx/mediamtx.yml`, 'utf8')) as Record<string, unknown>;

const LISTEN: GatewayListen = { ...DEFAULT_LISTEN, webrtcHosts: ['192.168.1.5'] };
const USERS = {
  restream: { user: 'lookout', pass: 'R'.repeat(24) },
  publisher: { user: 'ingest', pass: 'P'.repeat(24) },
};

function config() {
  const r = resolveConfig(
    {
      cameras: [
        {
          id: 'front',
          credentials: { username: 'admin', password: 'no' },
          profiles: {
            main: { url: 'rtsp://10.0.0.2:554/main' },
            sub: { url: 'rtsp://10.0.0.2:554/sub', transport: 'udp' },
          },
        },
        { id: 'phone', profiles: { main: { url: 'srt://0.0.0.0:9000' } } },
        { id: 'file', profiles: { main: { url: 'file:///tmp/x.mp4' } } },
        { id: 'off', enabled: false, profiles: { main: { url: 'rtsp://10.0.0.3/x' } } },
      ],
    },
    { env: {} },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

test('every generated key exists in MediaMTX v1.20.1 (top level and per path)', () => {
  const doc = buildMediamtxConfig(config(), LISTEN, USERS);
  for (const key of Object.keys(doc)) assert.ok(key in reference, `top-level key ${key} unknown to MediaMTX`);
  const pathKeys = Object.keys(reference.pathDefaults as object);
  for (const [name, entry] of Object.entries(doc.paths as Record<string, Record<string, unknown>>))
    for (const key of Object.keys(entry))
      assert.ok(pathKeys.includes(key), `${name}.${key} unknown to MediaMTX`);
});

test('one path per carried profile: RTSP pulled on demand, SRT published, files and disabled cameras left out', () => {
  const c = config();
  assert.deepEqual(
    gatewayPaths(c).map((p) => [p.name, p.kind]),
    [
      ['front_main', 'pull'],
      ['front_sub', 'pull'],
      ['phone_main', 'publish'],
    ],
  );
  const paths = buildMediamtxConfig(c, LISTEN, USERS).paths as Record<string, Record<string, unknown>>;
  assert.equal(paths.front_main!.sourceOnDemand, true);
  assert.equal(paths.front_sub!.rtspTransport, 'udp');
  assert.deepEqual(paths.phone_main, { source: 'publisher', overridePublisher: true });
});

test('the camera password is only in path sources; every string is quoted (YAML 1.1 "no" is a boolean)', () => {
  const doc = buildMediamtxConfig(config(), LISTEN, USERS);
  const text = renderMediamtxConfig(doc);
  const { paths, ...rest } = doc;
  assert.ok(!JSON.stringify(rest).includes('admin:no@'));
  assert.match(JSON.stringify(paths), /rtsp:\/\/admin:no@10\.0\.0\.2/);
  assert.match(text, /rtspEncryption: "no"/);
  assert.deepEqual(parse(text, { version: '1.1' }), doc, 'read back as YAML 1.1, as MediaMTX does');
  // Control API and WHEP signalling on loopback; LAN listeners where asked.
  assert.equal(doc.apiAddress, '127.0.0.1:9997');
  assert.equal(doc.webrtcAddress, '127.0.0.1:8889');
  assert.equal(doc.rtspAddress, ':8554');
  assert.deepEqual(doc.webrtcAdditionalHosts, ['192.168.1.5']);
});

test('gateway settings from the environment', () => {
  const d = gatewayOptionsFromEnv({}, '127.0.0.1');
  assert.deepEqual(d.listen, { host: '127.0.0.1', webrtcInterfaces: false, webrtcHosts: ['127.0.0.1'] });
  const a = gatewayOptionsFromEnv(
    {
      LOOKOUT_GATEWAY_HOST: '0.0.0.0',
      LOOKOUT_RTSP_PORT: '18554',
      LOOKOUT_WEBRTC_HOSTS: '192.168.1.5, nas.lan',
      LOOKOUT_PUBLIC_HOST: 'ha.lan',
    },
    '127.0.0.1',
  );
  assert.deepEqual(a.listen, { host: '', rtspPort: 18554, webrtcHosts: ['192.168.1.5', 'nas.lan'] });
  assert.equal(a.publicHost, 'ha.lan');
  assert.throws(
    () => gatewayOptionsFromEnv({ LOOKOUT_SRT_PORT: 'x' }, ''),
    /LOOKOUT_SRT_PORT=x is not a port/,
  );
});
