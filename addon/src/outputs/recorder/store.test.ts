/**
 * Crash safety and retention on real files: fMP4 from a real FFmpeg, written through SegmentFile,
 * abandoned mid-write (what kill -9 leaves), then a fresh store on the same folder must repair it
 * (truncate to the last whole moof+mdat, finalise, index) or drop it, and never list anything corrupt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../lib/log.js';
import { captureFmp4, testVideo, x264 } from '../../lib/mp4/ffmpeg.test-helper.js';
import { planRetention, type RetainedFile } from './retention.js';
import { SegmentFile } from './segment-file.js';
import { RecordingStore } from './store.js';

const log = silentLogger();

function ffmpegErrors(file: string): string {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return `${r.stderr}${r.status === 0 ? '' : ` (exit ${r.status})`}`;
}

/**
 * Media span per ffprobe: duration minus start_time (a clip cut from a running stream keeps the
 * stream's decode times, so it starts at e.g. 0.9 s and ffprobe's duration is its end time).
 */
function probeDuration(file: string): number {
  const r = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'format=start_time,duration', '-of', 'json', file],
    { encoding: 'utf8' },
  );
  const f = (JSON.parse(r.stdout) as { format: { start_time: string; duration: string } }).format;
  return Number(f.duration) - Number(f.start_time);
}

const meta = (startMs: number) => ({
  camera: 'yard',
  profile: 'main' as const,
  mode: 'motion' as const,
  trigger: 'person',
  clip: 'c1',
  startMs,
});

test('abandoned mid-write (kill -9): repaired to the last whole fragment, indexed, plays clean; loss ≤ 1 part', async () => {
  const cap = await captureFmp4([...testVideo(10, 4), ...x264('baseline', 10)]);
  const root = mkdtempSync(join(tmpdir(), 'rec-store-'));
  const w = await SegmentFile.create(root, meta(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), cap.init, 1);
  const keep = cap.fragments.slice(0, -1);
  for (const f of keep) await w.append(f, 0.2);
  const written = w.durationS;
  // The process dies in the middle of writing the next fragment: half of it is on disk.
  const torn = cap.fragments.at(-1)!;
  appendFileSync(w.partialPath, torn.subarray(0, Math.floor(torn.length / 2)));
  // (no finish(): the writer is simply forgotten, file handle and all)

  // An init-only partial (crash before the first fragment) must be dropped, not listed.
  const w2 = await SegmentFile.create(root, meta(Date.UTC(2026, 0, 2, 3, 9, 0, 0)), cap.init, 1);

  const store = new RecordingStore(root, log);
  await store.load();
  await w.abandon(); // only now release the descriptors the "dead" writers held
  await w2.abandon();
  const list = store.list();
  assert.equal(list.length, 1, 'only the recoverable file is listed');
  const rec = list[0]!;
  assert.equal(rec.entry.repaired, true);
  assert.equal(rec.entry.trigger, 'person');
  assert.ok(rec.path.endsWith('.mp4') && existsSync(rec.path));
  assert.equal(statSync(rec.path).size, rec.entry.size);
  assert.equal(ffmpegErrors(rec.path), '');
  const probed = probeDuration(rec.path);
  assert.ok(
    Math.abs(probed - rec.entry.durationS) <= 0.21,
    `ffprobe ${probed}s vs index ${rec.entry.durationS}s`,
  );
  assert.ok(written - rec.entry.durationS <= 1, `lost ${written - rec.entry.durationS}s`);
  const day = readdirSync(join(root, 'yard', '2026-01-02'));
  assert.ok(!day.some((n) => n.endsWith('.partial')), `no partial left: ${day.join(', ')}`);
  console.log(
    `# recorder crash: wrote ${written.toFixed(2)}s, recovered ${rec.entry.durationS.toFixed(2)}s, cut ${torn.length - Math.floor(torn.length / 2)} torn bytes`,
  );

  // A second start-up sees the same, stable id and nothing new.
  const again = new RecordingStore(root, log);
  await again.load();
  assert.deepEqual(
    again.list().map((r) => r.entry.id),
    [rec.entry.id],
  );
});

test('finished files are indexed from their sidecars; ids are opaque', async () => {
  const cap = await captureFmp4([...testVideo(10, 2), ...x264('baseline', 10)]);
  const root = mkdtempSync(join(tmpdir(), 'rec-store-'));
  const w = await SegmentFile.create(root, meta(Date.UTC(2026, 0, 3)), cap.init, 1);
  for (const f of cap.fragments) await w.append(f, 0.2);
  const done = await w.finish();
  assert.ok(done);
  const store = new RecordingStore(root, log);
  await store.load();
  const [rec] = store.list();
  assert.ok(rec);
  assert.match(rec.entry.id, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(!rec.entry.id.includes('/') && !rec.entry.id.includes('yard'));
  assert.equal(rec.entry.repaired, false);
  assert.equal(ffmpegErrors(rec.path), '');
  assert.ok(Math.abs(probeDuration(rec.path) - rec.entry.durationS) <= 0.21);
  assert.equal(await store.remove(rec.entry.id, 'test'), true);
  assert.equal(store.list().length, 0);
  assert.ok(!existsSync(rec.path));
});

test('retention order: age first, then budgets (continuous, motion, manual; oldest first), then free-space floor; kept files never', () => {
  const H = 3_600_000;
  const f = (
    id: string,
    mode: RetainedFile['mode'],
    hoursAgo: number,
    size = 100,
    camera = 'a',
  ): RetainedFile => ({
    id,
    camera,
    mode,
    startMs: 1000 * H - hoursAgo * H,
    endMs: 1000 * H - hoursAgo * H + 60_000,
    size,
  });
  const files = [
    f('m-old', 'motion', 50),
    f('c-old', 'continuous', 40),
    f('c-new', 'continuous', 1),
    f('m-new', 'motion', 2),
    f('man', 'manual', 60),
  ];
  const base = {
    nowMs: 1000 * H,
    retentionMs: (_c: string, m: RetainedFile['mode']) => (m === 'motion' ? 48 * H : null),
    cameraMaxBytes: () => null,
    maxBytes: null,
    freeBytes: null,
    minFreeBytes: 0,
  };
  assert.deepEqual(
    planRetention(files, base).map((d) => d.id),
    ['m-old'],
  );
  // Budget 200 of 500 bytes: age removes m-old, then continuous oldest first, then motion.
  assert.deepEqual(
    planRetention(files, { ...base, maxBytes: 200 }).map((d) => d.id),
    ['m-old', 'c-old', 'c-new'],
  );
  assert.deepEqual(
    planRetention(files, { ...base, maxBytes: 50 }).map((d) => d.id),
    ['m-old', 'c-old', 'c-new', 'm-new', 'man'],
  );
  // Free space: 250 bytes short; manual is never deleted for space.
  const low = planRetention(files, { ...base, retentionMs: () => null, freeBytes: 0, minFreeBytes: 250 });
  assert.deepEqual(
    low.map((d) => d.id),
    ['c-old', 'c-new', 'm-old'],
  );
  const lower = planRetention(files, {
    ...base,
    retentionMs: () => null,
    freeBytes: 0,
    minFreeBytes: 10_000,
  });
  assert.ok(!lower.some((d) => d.id === 'man'));
  assert.ok(low.every((d) => d.reason.length > 0));
  // A kept file is never deleted: age, the budgets and the free-space floor skip it (it still counts).
  const kept = files.map((x) => (x.id === 'm-old' || x.id === 'c-new' ? { ...x, kept: true } : x));
  assert.deepEqual(planRetention(kept, base), []);
  assert.deepEqual(
    planRetention(kept, { ...base, maxBytes: 50 }).map((d) => d.id),
    ['c-old', 'm-new', 'man'],
  );
  assert.deepEqual(
    planRetention(kept, { ...base, retentionMs: () => null, freeBytes: 0, minFreeBytes: 10_000 }).map(
      (d) => d.id,
    ),
    ['c-old', 'm-new'],
  );
});
