/**
 * The add-on manifests validate against the Home Assistant add-on linter's schemas (kept in
 * ../shared/ha, read from there), including the linter's rule that no key may be set to its default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const shared = process.env.LOOKOUT_SHARED_DIR ?? `${root}../shared`;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function validator(schemaFile: string) {
  const schema = JSON.parse(readFileSync(`${shared}/ha/${schemaFile}`, 'utf8')) as Record<string, unknown>;
  // The linter's schema uses Python-style named groups `(?P<name>...)`; JavaScript spells them `(?<name>...)`.
  const pyRegExp = (pattern: string, flags: string) => new RegExp(pattern.replace(/\(\?P</g, '(?<'), flags);
  pyRegExp.code = 'pyRegExp';
  const ajv = new Ajv({ allErrors: true, strict: false, code: { regExp: pyRegExp } });
  addFormats(ajv);
  return { validate: ajv.compile(schema), schema };
}

test('addon/config.yaml passes the add-on linter schema, with no key set to its default', () => {
  const manifest = parse(readFileSync(`${root}addon/config.yaml`, 'utf8')) as Record<string, unknown>;
  const { validate, schema } = validator('config.schema.json');
  assert.ok(validate(manifest), JSON.stringify(validate.errors, null, 2));
  const props = schema.properties as Record<string, { default?: unknown }>;
  for (const [key, value] of Object.entries(manifest)) {
    const def = props[key]?.default;
    assert.ok(
      def === undefined || JSON.stringify(def) !== JSON.stringify(value),
      `${key} is set to its default (${JSON.stringify(def)})`,
    );
  }
  assert.deepEqual(manifest.arch, ['aarch64', 'amd64'], 'only the supported architectures');
  assert.equal(manifest.version, JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version);
});

test('repository.yaml passes the repository schema', () => {
  const repo = parse(readFileSync(`${root}repository.yaml`, 'utf8')) as unknown;
  const { validate } = validator('repository.schema.derived.json');
  assert.ok(validate(repo), JSON.stringify(validate.errors));
});

// ── the add-on folder beyond config.yaml ───────────────────────────────────────────────────────

const addonFile = (name: string) => readFileSync(`${root}addon/${name}`, 'utf8');
const manifest = () => parse(addonFile('config.yaml')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Dockerfile instructions (continuations joined, comments dropped), each as [INSTRUCTION, rest]. */
function dockerfile(): Array<[string, string]> {
  const text = addonFile('Dockerfile').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l)!;
      return [m[1]!.toUpperCase(), m[2]!.replace(/\s+/g, ' ')];
    });
}

test('build.yaml passes the linter schema; its bases are the Dockerfile runtime base', () => {
  const build = parse(addonFile('build.yaml')) as {
    build_from: Record<string, string>;
    args: Record<string, string>;
  };
  const { validate } = validator('build.schema.json');
  assert.ok(validate(build), JSON.stringify(validate.errors));
  const args = Object.fromEntries(
    dockerfile()
      .filter(([i]) => i === 'ARG')
      .map(([, rest]) => rest.split('=') as [string, string]),
  );
  assert.deepEqual(Object.values(build.build_from), [args.NODE_IMAGE, args.NODE_IMAGE]);
  assert.equal(
    `bluenviron/mediamtx:${String(build.args.MEDIAMTX_VERSION).replace(/^v/, '')}`,
    args.MEDIAMTX_IMAGE,
  );
});

test('the Dockerfile: pinned multi-stage build, every COPY source exists, HEALTHCHECK and CMD are the rootfs scripts', async () => {
  const steps = dockerfile();
  const args = Object.fromEntries(
    steps.filter(([i]) => i === 'ARG').map(([, rest]) => [rest.split('=')[0], rest.split('=')[1]]),
  );
  const froms = steps.filter(([i]) => i === 'FROM').map(([, rest]) => rest);
  assert.deepEqual(
    froms.map((f) => f.split(' ')[0]),
    ['${NODE_IMAGE}', '${MEDIAMTX_IMAGE}', '${NODE_IMAGE}'],
    'build, MediaMTX, runtime',
  );
  assert.deepEqual(
    froms.map((f) => / AS (\S+)$/.exec(f)?.[1] ?? null),
    ['build', 'mediamtx', null],
  );
  // Every base pinned to an exact version: no latest, no bare major.
  assert.match(String(args.NODE_IMAGE), /^node:\d+\.\d+\.\d+-bookworm-slim$/);
  const { MEDIAMTX_VERSION } = await import('../../addon/src/gateway/mediamtx-config.js');
  assert.equal(args.MEDIAMTX_IMAGE, `bluenviron/mediamtx:${MEDIAMTX_VERSION.replace(/^v/, '')}`);
  // The locked npm install, the TypeScript build, the panel build, Debian's FFmpeg.
  const runs = steps.filter(([i]) => i === 'RUN').map(([, r]) => r);
  assert.ok(
    runs.some((r) => r.startsWith('npm ci ')),
    runs.join('\n'),
  );
  assert.ok(runs.some((r) => r.includes('tsc -p tsconfig.build.json') && r.includes('node panel/build.mjs')));
  assert.ok(runs.some((r) => /apt-get install -y --no-install-recommends ffmpeg/.test(r)));
  // COPY sources from the build context (the repository root) exist.
  for (const [, copy] of steps.filter(([i, r]) => i === 'COPY' && !/^--from=/.test(r))) {
    const parts = copy.split(' ');
    for (const src of parts.slice(0, -1)) assert.ok(existsSync(`${root}${src}`), `COPY source ${src} exists`);
  }
  const copiedFrom = steps.filter(([i, r]) => i === 'COPY' && r.startsWith('--from=')).map(([, r]) => r);
  assert.ok(copiedFrom.includes('--from=mediamtx /mediamtx /usr/local/bin/mediamtx'));
  const env = steps
    .filter(([i]) => i === 'ENV')
    .map(([, r]) => r)
    .join(' ');
  assert.match(env, /LOOKOUT_MEDIAMTX=\/usr\/local\/bin\/mediamtx/);
  assert.match(
    env,
    new RegExp(`LOOKOUT_PORT=${manifest().ingress_port}\\b`),
    'Lookout listens on ingress_port',
  );
  const health = steps.find(([i]) => i === 'HEALTHCHECK')?.[1] ?? '';
  const cmdOf = (s: string) =>
    JSON.parse(s.includes('CMD ') ? s.slice(s.indexOf('CMD ') + 4) : s) as string[];
  assert.deepEqual(cmdOf(health), ['/usr/local/bin/lookout-healthcheck']);
  assert.deepEqual(cmdOf(steps.find(([i]) => i === 'CMD')![1]), ['/usr/local/bin/lookout-run']);
  for (const f of ['lookout-run', 'lookout-healthcheck', 'lookout']) {
    const st = statSync(`${root}addon/rootfs/usr/local/bin/${f}`);
    assert.ok(st.mode & 0o111, `${f} is executable`);
  }
  const labels = steps
    .filter(([i]) => i === 'LABEL')
    .map(([, r]) => r)
    .join(' ');
  for (const l of [
    'io.hass.type="app"',
    'io.hass.version=',
    'io.hass.arch=',
    'io.hass.name=',
    'io.hass.url=',
  ])
    assert.ok(labels.includes(l), `label ${l}`);
  // Every port the manifest publishes is exposed.
  const exposed = steps.find(([i]) => i === 'EXPOSE')![1].split(' ');
  for (const p of Object.keys(manifest().ports as object)) assert.ok(exposed.includes(p), `EXPOSE ${p}`);
});

test('manifest details: ingress port, recordings under /media, options typed, translations and descriptions complete', () => {
  const m = manifest();
  assert.equal(m.ingress, true);
  assert.equal(m.watchdog, undefined, 'HEALTHCHECK instead of watchdog');
  const run = readFileSync(`${root}addon/rootfs/usr/local/bin/lookout-run`, 'utf8');
  assert.match(run, new RegExp(`PORT="\\$\\{LOOKOUT_PORT:-${m.ingress_port}\\}"`));
  assert.equal(m.options.recordings, '/media/lookout');
  assert.ok(
    (m.map as Array<{ type: string; read_only: boolean }>).some(
      (e) => e.type === 'media' && e.read_only === false,
    ),
  );
  for (const key of Object.keys(m.options)) assert.ok(key in m.schema, `option ${key} has a schema type`);
  const tr = parse(addonFile('translations/en.yaml')) as {
    configuration: Record<string, { name: string; description: string }>;
    network: Record<string, string>;
  };
  assert.deepEqual(Object.keys(tr.configuration).sort(), Object.keys(m.schema).sort());
  assert.deepEqual(Object.keys(tr.network).sort(), Object.keys(m.ports).sort());
  assert.deepEqual(Object.keys(m.ports_description).sort(), Object.keys(m.ports).sort());
  // The run script maps every option to the environment.
  for (const key of Object.keys(m.schema))
    assert.ok(run.includes(`${key}: "LOOKOUT_`), `run script reads ${key}`);
  for (const f of ['DOCS.md', 'CHANGELOG.md', 'README.md', 'apparmor.txt', 'icon.png', 'logo.png'])
    assert.ok(existsSync(`${root}addon/${f}`), f);
  const png = (f: string) => {
    const b = readFileSync(`${root}addon/${f}`);
    assert.equal(b.subarray(1, 4).toString(), 'PNG');
    return [b.readUInt32BE(16), b.readUInt32BE(20)];
  };
  assert.deepEqual(png('icon.png'), [128, 128]);
  assert.deepEqual(png('logo.png'), [250, 100]);
  assert.match(addonFile('apparmor.txt'), /^profile lookout /m);
});
