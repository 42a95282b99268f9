/**
 * The README's install section is what a new user follows: every command it names exists (the
 * script, the npm workspace and its prepack, the tarball name npm pack really gives, the node-red
 * program), every example it names is one of flows/, every blueprint URL is a file of this
 * repository, and every entity id it names is one Lookout announces for the demo. A command this
 * test does not know fails it, so a new step in the section gets a check too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../addon/src/config/index.js';
import { PROJECT_URL } from '../addon/src/contracts/project.js';
import { cameraDiscovery } from '../addon/src/control/mqtt/discovery.js';
import { DEMO_CAMERAS, DEMO_MOTION } from '../addon/src/demo/demo.js';

const ROOT = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const start = readme.indexOf('## Install: Node-RED nodes');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const json = (f: string) => JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as Record<string, unknown>;

/** The commands of the section's ```sh blocks, comments and blank lines dropped. */
function commands(): string[] {
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

test('the install section exists and names its commands', () => {
  assert.ok(start > 0, 'README has the install section');
  assert.ok(commands().length >= 3, commands().join('\n'));
});

test('every command the install section names exists', () => {
  const pkg = json('package.json') as { workspaces: string[] };
  const nodes = json('nodes/package.json') as {
    name: string;
    version: string;
    scripts: Record<string, string>;
  };
  // npm pack's file name for a scoped package: @scope/name → scope-name-<version>.tgz.
  const tarball = `${nodes.name.replace(/^@/, '').replace('/', '-')}-${nodes.version}.tgz`;
  const checked: string[] = [];
  for (const cmd of commands()) {
    const [prog, ...args] = cmd.split(/\s+/);
    if (prog === 'bash') {
      assert.ok(existsSync(join(ROOT, args[0]!)), `${cmd}: ${args[0]} exists`);
    } else if (prog === 'npm' && args[0] === 'pack') {
      const w = args[args.indexOf('-w') + 1]!;
      assert.ok(pkg.workspaces.includes(w), `${cmd}: ${w} is a workspace of the repository`);
      assert.ok(nodes.scripts.prepack, `${cmd}: the package builds itself when packed`);
    } else if (prog === 'npm' && args[0] === 'install') {
      assert.equal(args.at(-1)!.split('/').at(-1), tarball, `${cmd}: the file npm pack makes`);
    } else if (prog === 'cd') {
      // Node-RED's default user directory.
      assert.equal(args[0], '~/.node-red', cmd);
    } else if (prog === 'node-red') {
      assert.ok(
        existsSync(join(ROOT, 'node_modules/.bin/node-red')),
        'node-red is a program (devDependency here)',
      );
    } else {
      assert.fail(`the install section names a command this test does not check: ${cmd}`);
    }
    checked.push(cmd);
  }
  console.log(`# README install section: ${checked.length} commands checked`);
  // The tarball name also appears in the prose next to npm pack.
  assert.ok(section.includes(tarball), `the section names ${tarball}`);
  assert.ok(section.includes(nodes.name), 'the section names the package');
});

test('every example, blueprint URL and entity id the section names exists', () => {
  const flows = readdirSync(join(ROOT, 'flows'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''));
  for (const name of ['motion-clip-notify', 'stream-health-alert', 'ptz-preset-tour']) {
    assert.ok(section.includes(`\`${name}\``), `section names ${name}`);
    assert.ok(flows.includes(name), `${name} is in flows/`);
  }
  const urls = [...section.matchAll(/https:\/\/github\.com\/[^\s`)]+/g)].map((m) => m[0]);
  assert.equal(urls.length, 2, urls.join());
  for (const u of urls) {
    assert.ok(u.startsWith(`${PROJECT_URL}/blob/main/`), u);
    assert.ok(
      existsSync(join(ROOT, u.slice(`${PROJECT_URL}/blob/main/`.length))),
      `${u}: file in the repository`,
    );
  }
  // Entity ids: what Lookout announces for the demo's motion camera.
  assert.ok((DEMO_CAMERAS as readonly string[]).includes(DEMO_MOTION.camera));
  const r = resolveConfig(
    {
      cameras: [
        {
          id: DEMO_MOTION.camera,
          motion: { source: 'pixel' },
          profiles: { main: { url: 'rtsp://127.0.0.1:1/m' } },
        },
      ],
    },
    { env: {}, baseDir: '/tmp' },
  );
  assert.ok(r.ok);
  const announced = cameraDiscovery(r.config.cameras[0]!, {
    baseTopic: 'lookout',
    prefix: 'homeassistant',
    version: '0',
  }).map((m) => (m.payload as { default_entity_id: string }).default_entity_id);
  const named = [...section.matchAll(/`((?:binary_sensor|image|switch|camera|sensor)\.[a-z0-9_]+)`/g)].map(
    (m) => m[1]!,
  );
  assert.ok(named.length >= 3, named.join());
  for (const id of named)
    assert.ok(announced.includes(id), `${id} is announced for the demo's ${DEMO_MOTION.camera}`);
  // The demo facts the section states.
  assert.ok(section.includes(`for ${DEMO_MOTION.onMs / 1000} s every ${DEMO_MOTION.everyMs / 1000} s`));
});
