/**
 * The Node-RED package as a user gets it: `npm pack` of nodes/ (prepack builds it), the tarball's
 * contents and metadata checked the way node-red-dev's scorecard checks a package, then installed
 * with `npm install` into a fresh Node-RED 4 user dir and used from the real editor in Chromium
 * against the real demo (test-support/palette-session.ts, run in a network namespace of its own so
 * the demo and Node-RED keep their default ports: 8080, 1883, 1880).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { processesMatching, zombieChildren } from '../test/helpers/processes.js';
import { tempDir } from '../test/helpers/setup.js';
import { installIntoUserDir, packNodes, PACKAGE_NAME, REPO_ROOT } from './test-support/user-dir.js';

const run = promisify(execFile);
const NODE_TYPES = [
  'lookout-camera',
  'lookout-config',
  'lookout-motion',
  'lookout-ptz',
  'lookout-record',
  'lookout-snapshot',
  'lookout-talk',
];
const EXAMPLES = readdirSync(join(REPO_ROOT, 'flows'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

let tarball: string;
let files: string[];
let manifest: {
  name: string;
  license: string;
  keywords: string[];
  dependencies: Record<string, string>;
  repository?: { url?: string; directory?: string };
  bugs?: { url?: string };
  engines?: { node?: string };
  'node-red': { version: string; nodes: Record<string, string> };
};

before(async () => {
  tarball = await packNodes(tempDir('lookout-pack-'));
  files = (await run('tar', ['-tzf', tarball])).stdout
    .split('\n')
    .filter(Boolean)
    .map((f) => f.replace(/^package\//, ''));
  manifest = JSON.parse(
    (await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout,
  ) as typeof manifest;
});

describe('the packed Node-RED package', () => {
  test('is named and described as the Node-RED library expects (node-red-dev scorecard rules)', () => {
    // Scorecard P01/P02/P03/P04/P05/P07/P08: name convention, node-red keyword, LICENSE, repository,
    // node-red.version, the declared node files exist, examples present.
    assert.match(manifest.name, /^(@[a-z0-9-]+\/node-red-|node-red-contrib-)[a-z0-9-]+$/, 'name');
    assert.equal(manifest.name, PACKAGE_NAME);
    assert.ok(manifest.keywords.includes('node-red'), 'node-red keyword');
    assert.equal(manifest.license, 'MIT');
    assert.ok(files.includes('LICENSE'), 'LICENSE in the tarball');
    assert.match(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
    assert.match(manifest.repository?.url ?? '', /^git\+https:\/\/github\.com\/.+\.git$/, 'repository');
    assert.equal(manifest.repository?.directory, 'nodes');
    assert.match(manifest.bugs?.url ?? '', /^https:\/\/github\.com\/.+\/issues$/, 'bugs');
    assert.equal(manifest['node-red'].version, '>=4.0.0');
    assert.ok(manifest.engines?.node, 'engines.node');
    assert.deepEqual(Object.keys(manifest['node-red'].nodes).sort(), NODE_TYPES);
    for (const js of Object.values(manifest['node-red'].nodes)) {
      assert.ok(files.includes(js), `${js} packed`);
      assert.ok(files.includes(js.replace(/\.js$/, '.html')), `${js}: its .html packed beside it`);
    }
    assert.ok(files.includes('README.md'), 'README');
  });

  test('depends on what the built nodes load, and ships no tests, sources or maps', async () => {
    assert.deepEqual(Object.keys(manifest.dependencies), ['mqtt'], 'runtime dependencies');
    // Every bare require() of the built code is a declared dependency or a Node built-in.
    const { builtinModules } = await import('node:module');
    const js = files.filter((f) => f.endsWith('.js') && f.startsWith('dist/'));
    const required = new Set<string>();
    for (const f of js) {
      const src = (await run('tar', ['-xzOf', tarball, `package/${f}`])).stdout;
      for (const m of src.matchAll(/require\("([^".][^"]*)"\)/g)) required.add(m[1]!.replace(/^node:/, ''));
    }
    const external = [...required].filter((m) => !builtinModules.includes(m));
    assert.deepEqual(external, ['mqtt'], `bare requires: ${[...required].join(', ')}`);
    const unwanted = files.filter((f) => /\.test\.|\.map$|\.ts$|test-support|tsconfig|build\.mjs/.test(f));
    assert.deepEqual(unwanted, [], 'no tests, sources, maps or build files');
    assert.ok(files.includes('resources/lookout-editor.js'), 'resources/ is a real folder');
    assert.deepEqual(
      files.filter((f) => f.startsWith('examples/')).sort(),
      EXAMPLES.map((e) => `examples/${e}.json`),
      'examples/ is a real folder with every flow',
    );
    const size = readFileSync(tarball).length;
    console.log(`# ${PACKAGE_NAME}: ${files.length} files, ${(size / 1024).toFixed(1)} KiB packed`);
    assert.ok(size < 200_000, `tarball ${size} bytes`);
  });
});

describe('installed into a fresh Node-RED 4 user dir', () => {
  let userDir: string;
  let workDir: string;
  after(() => {
    if (userDir) assert.deepEqual(processesMatching(userDir), [], 'no Node-RED process left');
    if (workDir) assert.deepEqual(processesMatching(workDir), [], 'no Lookout process left');
  });

  test(
    'the editor shows the nodes, imports an example, deploys it against the demo, and messages flow',
    { timeout: 300_000 },
    async () => {
      userDir = tempDir('lookout-nr-user-');
      workDir = tempDir('lookout-nr-demo-');
      await installIntoUserDir(userDir, tarball);
      const installed = join(userDir, 'node_modules', PACKAGE_NAME);
      assert.deepEqual(readdirSync(installed).sort(), [
        'LICENSE',
        'README.md',
        'dist',
        'examples',
        'package.json',
        'resources',
      ]);
      const session = spawn(
        'unshare',
        [
          '--net',
          '--map-root-user',
          'sh',
          '-c',
          'ip link set lo up && exec "$0" --import "$1" "$2" "$3" "$4"',
          process.execPath,
          import.meta.resolve('tsx'),
          join(REPO_ROOT, 'nodes/test-support/palette-session.ts'),
          userDir,
          workDir,
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      session.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      session.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const code = await new Promise<number | null>((resolve) => session.on('exit', (c) => resolve(c)));
      for (const line of out.split('\n')) if (line.startsWith('# ')) console.log(line);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      const said = out
        .split('\n')
        .filter((l) => !l.startsWith('RESULT '))
        .join('\n')
        .slice(-8000);
      assert.ok(line, `the session reported:\n${said}`);
      assert.equal(code, 0, said);
      const r = JSON.parse(line.slice('RESULT '.length)) as {
        demoCameras: string[];
        nodeSets: Array<{ types: string[]; enabled: boolean; err: string | null }>;
        editorHelpers: { status: number; type: string; body: string };
        editorSets: Record<string, { helpers: boolean; help: boolean; template: boolean }>;
        messageCatalogs: string[];
        examples: Array<{ fn: string }>;
        palette: { lookout: Array<{ type: string; label: string; category: string }> };
        examplesTree: string[];
        messages: Array<{ name: string; topic: string; body: string }>;
        firstMessageAfterDeployMs: number;
        pageErrors: string[];
      };
      // The demo as run from a source checkout: four synthetic cameras plus the bonded SRTLA phone.
      assert.deepEqual(r.demoCameras, ['front_door', 'driveway', 'backyard', 'garage', 'phone']);
      // The runtime loaded every node set of the package.
      assert.deepEqual(r.nodeSets.flatMap((n) => n.types).sort(), NODE_TYPES);
      for (const n of r.nodeSets) assert.ok(n.enabled && !n.err, `${n.types.join()}: ${n.err ?? 'disabled'}`);
      // The editor side: help, template, catalog and the shared helpers for every node set.
      assert.deepEqual(Object.keys(r.editorSets).sort(), NODE_TYPES);
      for (const [set, s] of Object.entries(r.editorSets))
        assert.deepEqual(s, { helpers: true, help: true, template: true }, set);
      assert.deepEqual(
        r.messageCatalogs.sort(),
        NODE_TYPES.map((t) => `${PACKAGE_NAME}/${t}`),
      );
      assert.equal(r.editorHelpers.status, 200, 'resources/<module>/lookout-editor.js served');
      assert.match(r.editorHelpers.type, /javascript/);
      assert.equal(
        r.editorHelpers.body,
        readFileSync(join(REPO_ROOT, 'nodes/resources/lookout-editor.js'), 'utf8'),
      );
      assert.deepEqual(r.examples.map((e) => e.fn).sort(), EXAMPLES);
      // The palette: five tiles in the Lookout category (the config node has none).
      assert.deepEqual(
        r.palette.lookout.map((n) => n.type).sort(),
        NODE_TYPES.filter((t) => t !== 'lookout-config'),
      );
      for (const n of r.palette.lookout) assert.equal(n.category, 'Lookout', `${n.type} category`);
      for (const e of EXAMPLES) assert.ok(r.examplesTree.includes(e), `${e} under Import ▸ Examples`);
      // The unedited example flow, deployed: a clip started and a notification with the snapshot.
      const names = r.messages.map((m) => m.name);
      assert.ok(names.includes('clip started'), names.join());
      const note = r.messages.find((m) => m.name === 'notification')!;
      assert.match(note.body, /Motion at front_door/);
      assert.match(note.body, /bytes/);
      assert.ok(!names.includes('error'), `no error message: ${JSON.stringify(r.messages)}`);
      assert.deepEqual(r.pageErrors, [], 'no editor errors');
      console.log(
        `# first motion messages ${r.firstMessageAfterDeployMs} ms after deploy (demo visitor every 30 s)`,
      );
      assert.deepEqual(zombieChildren(), []);
    },
  );
});
