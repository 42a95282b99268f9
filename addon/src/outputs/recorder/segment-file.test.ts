/**
 * SegmentFile's write policy on real files: every fragment is in the file when append() resolves (a
 * crash of Lookout loses nothing written), while fdatasync runs at most once per interval (a sync per
 * fragment was the recorder's scale limit), and finish() still syncs and produces a file FFmpeg plays.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureFmp4, testVideo, x264 } from '../../lib/mp4/ffmpeg.test-helper.js';
import { SegmentFile, SYNC_INTERVAL_MS } from './segment-file.js';

const meta = (startMs: number) => ({
  camera: 'yard',
  profile: 'main' as const,
  mode: 'continuous' as const,
  trigger: 'continuous' as const,
  clip: 'c1',
  startMs,
});

test('fragments reach the file at once; fdatasync at most once per interval; finish syncs and plays', async () => {
  const cap = await captureFmp4([...testVideo(10, 4), ...x264('baseline', 10)]);
  assert.ok(cap.fragments.length >= 10, `only ${cap.fragments.length} fragments captured`);
  const root = mkdtempSync(join(tmpdir(), 'rec-segfile-'));
  const w = await SegmentFile.create(root, meta(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), cap.init, 1);
  assert.equal(w.syncs, 1, 'the init is synced when the file is created');
  const t0 = Date.now();
  for (const f of cap.fragments) {
    const before = statSync(w.partialPath).size;
    await w.append(f, 0.1);
    assert.equal(
      statSync(w.partialPath).size,
      before + f.length,
      'the fragment is in the file when append resolves',
    );
  }
  const elapsed = Date.now() - t0;
  // One sync per started interval at most (plus the init's): far fewer than one per fragment.
  const allowed = 1 + Math.ceil(elapsed / SYNC_INTERVAL_MS);
  assert.ok(
    w.syncs <= allowed,
    `${w.syncs} syncs for ${cap.fragments.length} fragments in ${elapsed} ms (≤ ${allowed})`,
  );
  const beforeFinish = w.syncs;
  const done = await w.finish();
  assert.ok(done, 'finished file');
  assert.equal(w.syncs, beforeFinish + 1, 'finish() syncs');
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', done.path, '-f', 'null', '-'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('with a zero interval every fragment is synced (the policy is the interval, not a skipped call)', async () => {
  const cap = await captureFmp4([...testVideo(10, 2), ...x264('baseline', 10)]);
  const root = mkdtempSync(join(tmpdir(), 'rec-segfile-'));
  const w = await SegmentFile.create(root, meta(Date.UTC(2026, 0, 2, 3, 4, 6, 0)), cap.init, 1);
  w.syncIntervalMs = 0;
  for (const f of cap.fragments) await w.append(f, 0.1);
  assert.equal(w.syncs, 1 + cap.fragments.length);
  await w.finish();
});
