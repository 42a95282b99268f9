import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configCheck, configExplain } from './config-commands.js';

const EXAMPLES = fileURLToPath(new URL('../../../config/examples/', import.meta.url));
const env = {
  FRONT_DOOR_PASSWORD: 'fr0nt-d00r)#pw',
  NURSERY_PASSWORD: 'nursery-pw',
  SHED_PASSWORD: 'shed-pw',
};

test('config check: ok with the camera count', async () => {
  assert.deepEqual(await configCheck(EXAMPLES + 'minimal.yaml', { env }), {
    exitCode: 0,
    output: 'ok: 1 camera',
  });
  assert.deepEqual(await configCheck(EXAMPLES + 'multi-vendor.yaml', { env }), {
    exitCode: 0,
    output: 'ok: 6 cameras',
  });
});

test('config check: exit 1 and one line per problem with file:line and path', async () => {
  const file = EXAMPLES + 'invalid-many-errors.yaml';
  const r = await configCheck(file, { env: {} });
  assert.equal(r.exitCode, 1);
  const [head, ...lines] = r.output.split('\n');
  assert.equal(head, `invalid config ${file}: 23 problems`);
  assert.equal(lines.length, 23);
  assert.ok(lines.every((l) => l.startsWith(`${file}:`)));
  assert.ok(
    lines.includes(
      `${file}:8: /defaults/transport: must be one of: auto, tcp, udp (got "TCP"; did you mean "tcp"?)`,
    ),
  );
});

test('config check: a missing file is one clear error', async () => {
  const r = await configCheck('/nonexistent/lookout.yaml');
  assert.equal(r.exitCode, 1);
  assert.match(r.output, /cannot read config file \/nonexistent\/lookout\.yaml: no such file/);
});

test('config explain: one camera, all, unknown camera', async () => {
  const one = await configExplain(EXAMPLES + 'multi-vendor.yaml', 'front_door', { env });
  assert.equal(one.exitCode, 0);
  assert.match(one.output, /^camera front_door \(Front door\), vendor reolink/);
  assert.match(
    one.output,
    /profiles\.main\.tuning\.stallTimeoutMs\s+8s\s+camera\s+\/cameras\/0\/stream\/stall_timeout/,
  );
  assert.match(
    one.output,
    /profiles\.main\.tuning\.startupGraceMs\s+15s\s+vendor\s+\/vendors\/reolink\/stream\/startup_grace/,
  );
  assert.match(one.output, /rtspPort\s+554\s+vendor\s+built-in vendor preset "reolink"/);
  assert.ok(!one.output.includes('fr0nt-d00r'));
  const all = await configExplain(EXAMPLES + 'multi-vendor.yaml', undefined, { env });
  assert.match(all.output, /^server\n/);
  assert.match(all.output, /camera shed \(Shed \(broken\)\), vendor generic, disabled, hidden/);
  const unknown = await configExplain(EXAMPLES + 'minimal.yaml', 'nope', { env });
  assert.deepEqual(unknown, { exitCode: 1, output: 'unknown camera "nope"; cameras: porch' });
});

test('config check says that an MJPEG-over-HTTP camera is encoded to H.264', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-check-'));
  const file = join(dir, 'mjpeg.yaml');
  writeFileSync(
    file,
    'cameras:\n  - id: esp32\n    profiles:\n      main: { url: "http://10.0.0.9:81/stream" }\n',
  );
  const r = await configCheck(file, { env: {} });
  assert.equal(r.exitCode, 0, r.output);
  assert.match(
    r.output,
    /^ok: 1 camera\nnote: camera "esp32" profile "main": http:\/\/10\.0\.0\.9:81\/stream is MJPEG over HTTP, which no browser plays: Lookout encodes it to H\.264/,
  );
});
