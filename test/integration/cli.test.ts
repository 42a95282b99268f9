/**
 * The `lookout` command as a user runs it: config check/explain exit codes and output, and
 * `serve` without a config (demo: ≥ 4 synthetic cameras that go live on lease), then a clean
 * SIGTERM shutdown that leaves no FFmpeg or camera process behind.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { StreamGraph } from '../../addon/src/contracts/api.js';
import { allProcesses, waitFor, zombieChildren } from '../helpers/processes.js';
import { tempDir } from '../helpers/setup.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// Absolute paths: the demo test runs the CLI from a temp folder (so its data dir lands there).
const CLI = [
  '--import',
  import.meta.resolve('tsx'),
  fileURLToPath(new URL('../../addon/src/cli/main.ts', import.meta.url)),
];
const EXAMPLE_ENV = {
  FRONT_DOOR_PASSWORD: 'pw-front',
  NURSERY_PASSWORD: 'pw-nursery',
  SHED_PASSWORD: 'pw-shed',
};

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('lookout CLI', () => {
  test('config check: 0 for a valid file, 1 with every error and its path for an invalid one', async () => {
    const ok = await run(['config', 'check', 'config/examples/minimal.yaml']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^ok: \d+ cameras?/);
    const bad = await run(['config', 'check', 'config/examples/invalid-many-errors.yaml']);
    assert.equal(bad.code, 1);
    const lines = bad.stderr.split('\n').filter((l) => /\/cameras\//.test(l));
    assert.ok(lines.length >= 5, `expected many errors with paths, got:\n${bad.stderr}`);
  });

  test('config explain shows effective values and where they came from', async () => {
    const r = await run(
      ['config', 'explain', 'config/examples/multi-vendor.yaml', 'front_door'],
      EXAMPLE_ENV,
    );
    assert.equal(r.code, 0, r.stderr);
    // One line per effective value: path, value, level, origin.
    assert.match(
      r.stdout,
      /profiles\.main\.path\s+\/h264Preview_01_main\s+vendor\s+built-in vendor preset "reolink"/,
    );
    assert.match(r.stdout, /credentials\.password\s+\*\*\*/);
    assert.match(r.stdout, /tuning\.idleTimeoutMs\s+30s\s+global\s+\/defaults\/stream\/idle_timeout/);
    assert.ok(!r.stdout.includes('pw-front'), 'password not shown');
    const missing = await run(['config', 'explain', 'config/examples/multi-vendor.yaml']);
    assert.equal(missing.code, 1, 'unset ${ENV} passwords make the config invalid');
    assert.match(
      missing.stderr,
      /\/cameras\/0\/credentials\/password: environment variable FRONT_DOOR_PASSWORD is not set/,
    );
  });

  test(
    'serve without a config runs the demo: 4 cameras live on lease, clean shutdown',
    { timeout: 60_000 },
    async () => {
      const child = spawn(process.execPath, [...CLI, 'serve', '--port', '0', '--host', '127.0.0.1'], {
        cwd: tempDir(), // data dir (.lookout) lands in a temp folder, not the repo
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (out += d));
      const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
      try {
        await waitFor(() => /API:\s+http:\/\/127\.0\.0\.1:\d+/.test(out), 30000, 'the API URL printed');
        const base = out.match(/API:\s+(http:\/\/127\.0\.0\.1:\d+)/)![1]!;
        const graph0 = (await (await fetch(`${base}/api/streams`)).json()) as StreamGraph;
        const cameras = [...new Set(graph0.streams.map((s) => s.camera))];
        assert.ok(cameras.length >= 4, `demo has ${cameras.length} cameras`);
        // Each camera's grid stream: sub, or main for a camera without one (the bonded phone).
        const grid = (c: string) =>
          graph0.streams.some((s) => s.key === `${c}/sub`) ? `${c}/sub` : `${c}/main`;
        const keys = new Set(cameras.map(grid));
        const t0 = Date.now();
        for (const c of cameras) {
          const r = await fetch(`${base}/api/streams/${grid(c)}/leases`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"kind":"viewer"}',
          });
          assert.equal(r.status, 201);
        }
        let graph = graph0;
        for (let i = 0; i < 100; i++) {
          graph = (await (await fetch(`${base}/api/streams`)).json()) as StreamGraph;
          if (graph.streams.filter((s) => keys.has(s.key) && s.state === 'live').length === cameras.length)
            break;
          await new Promise((r) => setTimeout(r, 100));
        }
        console.log(`# demo: ${cameras.length} grid streams live ${Date.now() - t0} ms after the leases`);
        for (const s of graph.streams.filter((x) => keys.has(x.key))) {
          assert.equal(s.state, 'live', `${s.key}: ${s.reason}`);
          // Our viewer lease; the demo's front_door also has its pixel-motion lease (the visitor), and
          // the MQTT pictures for HA may hold a short snapshot lease.
          assert.deepEqual(
            s.consumers
              .map((c) => c.kind)
              .filter((k) => k !== 'snapshot')
              .sort(),
            s.camera === 'front_door' ? ['motion', 'viewer'] : ['viewer'],
            s.key,
          );
        }
        assert.ok(
          !out.includes('l00k#out)') && !out.includes(encodeURIComponent('l00k#out)')),
          'demo password never printed',
        );
      } finally {
        child.kill('SIGTERM');
      }
      assert.equal(await exited, 0, out.slice(-2000));
      const leftovers = allProcesses().filter(
        (p) =>
          (/synthetic_camera\.py|ffmpeg/.test(p.cmdline) && p.cmdline.includes('front_door')) ||
          p.cmdline.includes('srtla-phone'),
      );
      assert.deepEqual(leftovers, []);
      assert.deepEqual(zombieChildren(), []);
    },
  );
});
