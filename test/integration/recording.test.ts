/**
 * Recording end to end against the real synthetic camera, a real Lookout (supervisor, hubs, API) and
 * real FFmpeg/ffprobe checks on the files: motion clips with pre/post-roll measured from the
 * burned-in capture timestamps, overlapping events → one clip, manual N-second clips, Range playback,
 * opaque ids, thumbnails, retention, and a camera whose folder cannot be created (reported in status,
 * its live stream and the other cameras unaffected).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RecordingEntry, RecordingEvent, RecorderState } from '../../addon/src/contracts/recording.js';
import { decodeTimestampFromLuma } from '../../addon/src/demo/timestamp-code.js';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import { startLookout, type Lookout } from '../../addon/src/main.js';
import { HUB_DEFAULTS } from '../../addon/src/hub/options.js';
import type { RecordingStatus } from '../../addon/src/outputs/recorder/service.js';
import { FAST_STREAM, resolveOrThrow, tempDir, testLogger, cameraProfiles } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';

const W = 640;
const H = 360;
const PRE_ROLL_S = 3;
const POST_ROLL_S = 2;

/** Capture time of the first frame, or of the last (decoded up to the end: fMP4 has no index to seek in). */
function frameTimestamps(file: string, which: 'first' | 'last', durationS = 0): number | null {
  const args =
    which === 'first'
      ? ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-']
      : [
          '-v',
          'error',
          '-i',
          file,
          '-ss',
          String(Math.max(0, durationS - 0.6)),
          '-f',
          'rawvideo',
          '-pix_fmt',
          'gray',
          '-',
        ];
  const r = spawnSync('ffmpeg', args, { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
  const frame = W * H;
  if (r.status !== 0 || r.stdout.length < frame) return null;
  const last = r.stdout.subarray(r.stdout.length - frame);
  return decodeTimestampFromLuma(which === 'first' ? r.stdout.subarray(0, frame) : last, W, H);
}

/**
 * Full decode of the file, FFmpeg errors returned. The synthetic camera timestamps frames on arrival
 * (GStreamer do-timestamp), so like a real camera its timestamps jitter; the stock `-f null` run
 * rounds them to 1/fps and then reports "non monotonically increasing dts" about its own rounding.
 * `-enc_time_base -1` keeps the file's 1/90000 time base, so any error left is the file's.
 * The stock run is also made, and must report nothing but that rounding message.
 */
function ffmpegErrors(file: string): string {
  const run = (extra: string[]) => {
    const r = spawnSync('ffmpeg', ['-v', 'error', '-i', file, ...extra, '-f', 'null', '-'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { out: r.stderr, ok: r.status === 0 };
  };
  const exact = run(['-enc_time_base', '-1']);
  const stock = run([]);
  const other = stock.out
    .split('\n')
    .filter((l) => l && !/non monotonically increasing dts to muxer/.test(l));
  return `${exact.out}${exact.ok && stock.ok ? '' : ' (non-zero exit)'}${other.join('\n')}`;
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('recording', () => {
  let cam: SyntheticCamera;
  let app: Lookout;
  let root: string;
  let raw: { cameras: Array<Record<string, unknown>> } & Record<string, unknown>;
  const events: RecordingEvent[] = [];

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${app.url}${path}`, {
      method,
      headers: body !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const buf = Buffer.from(await res.arrayBuffer());
    const json =
      res.headers.get('content-type')?.includes('json') && buf.length
        ? (JSON.parse(buf.toString()) as unknown)
        : null;
    return { status: res.status, headers: res.headers, buf, json };
  };
  const finished = (camera: string, n: number, ms: number) =>
    waitFor(
      () => events.filter((e) => e.type === 'finished' && e.camera === camera).length >= n,
      ms,
      `${n} finished file(s) of ${camera}`,
      100,
    );

  before(async () => {
    const profile = { width: W, height: H, fps: 10, gop: 10 };
    cam = await SyntheticCamera.start({
      names: ['door', 'gate', 'broken', 'yard'],
      main: profile,
      sub: profile,
    });
    root = join(tempDir('lookout-rec-'), 'recordings');
    mkdirSync(root, { recursive: true });
    // "broken" cannot get its folder: the path is a regular file, so mkdir fails (works as root too).
    writeFileSync(join(root, 'broken'), 'not a folder');
    raw = {
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'drop', stream: FAST_STREAM },
      recording: {
        root,
        mode: 'manual',
        profile: 'sub',
        segment_length: '60s',
        retention: { motion: '1d', manual: 'forever' },
      },
      cameras: ['door', 'gate', 'broken', 'yard'].map((id) => ({
        id,
        vendor: 'generic',
        profiles: cameraProfiles(cam, id),
        ...(id === 'door'
          ? {
              recording: {
                mode: 'motion',
                pre_roll: `${PRE_ROLL_S}s`,
                post_roll: `${POST_ROLL_S}s`,
                triggers: ['motion', 'person'],
              },
            }
          : id === 'yard'
            ? { recording: { mode: 'continuous', segment_length: '2s', retention: { continuous: '1h' } } }
            : {}),
      })),
    };
    app = await startLookout({
      config: resolveOrThrow(raw),
      log: testLogger(),
      listen: { port: 0, host: '127.0.0.1' },
      tls: false,
    });
    app.recordings.on('recording', (e) => events.push(e));
  });

  after(async () => {
    await app?.stop();
    await cam?.close();
  });

  test('motion: overlapping events make one clip with pre-roll before the first and post-roll after the last', async () => {
    // Motion mode holds a recorder lease, so the stream runs and the window fills with pre-roll.
    const hub = app.supervisor.hub({ camera: 'door', profile: 'sub' });
    await waitFor(() => hub.status().window.spanS >= PRE_ROLL_S + 1.5, 30_000, 'pre-roll in the window', 100);
    // The window holds what its consumers ask for: the recorder's lease asks for the pre-roll + 5 s
    // slack (the keyframe before it, a late event); the pre-roll measured below comes from it.
    assert.equal(hub.historyS, PRE_ROLL_S + 5);
    const t0 = Date.now();
    const motion = (kind: string, active: boolean) =>
      app.recordings.motion({ camera: 'door', kind, active, at: new Date().toISOString() });
    motion('motion', true);
    await sleep(1000);
    motion('person', true); // overlaps: extends the same clip
    motion('vehicle', true); // not a configured trigger: ignored
    await sleep(1000);
    motion('motion', false);
    await sleep(1000);
    const t1 = Date.now();
    motion('person', false);
    await finished('door', 1, 30_000);
    await sleep(500);
    const clipFiles = events.filter((e) => e.camera === 'door' && e.type === 'finished');
    assert.equal(clipFiles.length, 1, 'one clip, one file');
    assert.equal(events.filter((e) => e.camera === 'door' && e.type === 'started').length, 1);
    const list = (await api('GET', '/api/recordings?camera=door')).json as { recordings: RecordingEntry[] };
    assert.equal(list.recordings.length, 1);
    const entry = list.recordings[0]!;
    assert.equal(entry.id, clipFiles[0]!.file);
    assert.equal(entry.trigger, 'motion');
    assert.equal(entry.mode, 'motion');
    const file = app.recordings.get(entry.id).path;

    const first = frameTimestamps(file, 'first');
    const last = frameTimestamps(file, 'last', entry.durationS);
    assert.ok(first !== null && last !== null, 'burned-in timestamps decode');
    const preS = (t0 - first) / 1000;
    const postS = (last - t1) / 1000;
    console.log(
      `# recording motion clip: pre-roll ${preS.toFixed(2)}s (asked ${PRE_ROLL_S}s), post-roll ${postS.toFixed(2)}s (asked ${POST_ROLL_S}s), ${entry.durationS}s, ${entry.size} bytes`,
    );
    assert.ok(preS >= PRE_ROLL_S, `first frame ${preS}s before the event`);
    assert.ok(postS >= POST_ROLL_S, `last frame ${postS}s after the last event`);
    assert.equal(ffmpegErrors(file), '');
    const probed = probeDuration(file);
    assert.ok(Math.abs(probed - entry.durationS) <= 0.25, `ffprobe ${probed}s vs index ${entry.durationS}s`);

    const state = (await api('GET', '/api/cameras/door/recording')).json as RecorderState;
    assert.equal(state.recording, false);
    assert.equal(state.mode, 'motion');
  });

  test('manual clip of N seconds; playback with Range; thumbnail; opaque ids', async () => {
    const start = await api('POST', '/api/cameras/gate/recording/start', { duration_s: 2 });
    assert.equal(start.status, 200);
    assert.equal((start.json as RecorderState).recording, true);
    await finished('gate', 1, 40_000);
    const [entry] = (
      (await api('GET', '/api/recordings?camera=gate')).json as { recordings: RecordingEntry[] }
    ).recordings;
    assert.ok(entry);
    assert.equal(entry.mode, 'manual');
    assert.ok(entry.durationS >= 2 && entry.durationS <= 3.5, `manual clip ${entry.durationS}s`);
    const file = app.recordings.get(entry.id).path;
    assert.equal(ffmpegErrors(file), '');
    const bytes = readFileSync(file);

    const whole = await api('GET', `/api/recordings/${entry.id}`);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-type'), 'video/mp4');
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.ok(whole.buf.equals(bytes));
    const part = await api('GET', `/api/recordings/${entry.id}`, undefined, { range: 'bytes=100-1099' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 100-1099/${bytes.length}`);
    assert.ok(part.buf.equals(bytes.subarray(100, 1100)));
    const tail = await api('GET', `/api/recordings/${entry.id}`, undefined, { range: 'bytes=-500' });
    assert.equal(tail.status, 206);
    assert.ok(tail.buf.equals(bytes.subarray(bytes.length - 500)));
    const bad = await api('GET', `/api/recordings/${entry.id}`, undefined, {
      range: `bytes=${bytes.length}-`,
    });
    assert.equal(bad.status, 416);

    const thumb = await api('GET', `/api/recordings/${entry.id}/thumbnail`);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
    assert.equal(thumb.buf.readUInt16BE(0), 0xffd8);

    for (const id of ['..', '..%2F..%2Fetc%2Fpasswd', 'gate%2F2026', '%2E%2E']) {
      const r = await api('GET', `/api/recordings/${id}`);
      assert.ok(r.status >= 400 && r.status < 500, `${id}: ${r.status}`);
    }
    assert.equal((await api('GET', '/api/recordings/AAAAAAAAAAAAAAAAAAAAAA')).status, 404);
    const del = await api('DELETE', '/api/recordings/..%2F..');
    assert.ok(del.status >= 400 && del.status < 500, `DELETE ..: ${del.status}`);
    assert.equal((await api('POST', '/api/cameras/nope/recording/start', {})).status, 404);
  });

  test('a folder that cannot be created is reported; live view and other cameras keep working', async () => {
    const lease = await api('POST', '/api/streams/broken/sub/leases', { kind: 'viewer' });
    assert.equal(lease.status, 201);
    await api('POST', '/api/cameras/broken/recording/start', {});
    await waitFor(
      () => app.recordings.recorder('broken').state().counters.writeErrors > 0,
      30_000,
      'a write error',
      100,
    );
    const status = (await api('GET', '/api/recordings/status')).json as RecordingStatus;
    const broken = status.cameras.find((c) => c.camera === 'broken')!;
    assert.ok(broken.error && /EEXIST|ENOTDIR/.test(broken.error), `error reported: ${broken.error}`);
    const metrics = (await api('GET', '/api/recordings/metrics')).buf.toString();
    assert.match(metrics, /lookout_recording_write_errors_total\{camera="broken",profile="sub"\} [1-9]/);
    // The stream itself is untouched: still live and still delivering fragments.
    const hub = app.supervisor.hub({ camera: 'broken', profile: 'sub' });
    const before = hub.status().counters.fragmentsIn;
    await waitFor(
      () => hub.status().counters.fragmentsIn > before + 10,
      10_000,
      'fragments keep flowing',
      100,
    );
    assert.equal(app.supervisor.status({ camera: 'broken', profile: 'sub' }).state, 'live');
    await api('POST', '/api/cameras/broken/recording/stop', {});
    // And the other camera can still record.
    await api('POST', '/api/cameras/gate/recording/start', { duration_s: 1 });
    await finished('gate', 2, 40_000);
  });

  test('continuous: bounded segments, a new file after an FFmpeg restart, mode override stops it', async () => {
    await finished('yard', 2, 40_000);
    const gen = app.supervisor.hub({ camera: 'yard', profile: 'sub' }).status().generation;
    await cam.restart('yard'); // the camera drops us: FFmpeg restarts, new init, discontinuity
    await waitFor(
      () => app.supervisor.hub({ camera: 'yard', profile: 'sub' }).status().generation > gen,
      40_000,
      'FFmpeg restarted',
      100,
    );
    const n = events.filter((e) => e.camera === 'yard' && e.type === 'finished').length;
    await finished('yard', n + 2, 40_000);
    // A continuous recorder starts at the newest keyframe and needs no history: its key keeps the
    // base window only (the GOP in progress and the one before it, 1 s each here), not the 10 s every
    // key held before.
    const yardHub = app.supervisor.hub({ camera: 'yard', profile: 'sub' });
    assert.equal(yardHub.historyS, HUB_DEFAULTS.windowS);
    const { window } = yardHub.status();
    assert.ok(window.segments <= 2 && window.spanS <= 2.4, `yard window ${JSON.stringify(window)}`);
    const state = (await api('PUT', '/api/cameras/yard/recording/mode', { mode: 'manual' }))
      .json as RecorderState;
    assert.equal(state.mode, 'manual');
    assert.equal(state.modeOverridden, true);
    assert.equal(state.recording, false);
    const files = app.recordings.list({ camera: 'yard' });
    assert.ok(files.length >= 4);
    for (const f of files) {
      assert.equal(f.mode, 'continuous');
      // Cut at the keyframe nearest 2 s; bounded by segment_length + one GOP (1 s). The restart cuts one short.
      assert.ok(f.durationS > 0 && f.durationS <= 3.1, `segment ${f.durationS}s`);
      const path = app.recordings.get(f.id).path;
      assert.equal(ffmpegErrors(path), '');
      assert.ok(Math.abs(probeDuration(path) - f.durationS) <= 0.25);
    }
    console.log(
      `# recording continuous: ${files.length} files, durations ${files.map((f) => f.durationS).join(', ')}s`,
    );
    const count = files.length;
    await sleep(3000);
    assert.equal(app.recordings.list({ camera: 'yard' }).length, count, 'no files after switching to manual');
  });

  test('retention by age (motion 1d, continuous 1h) keeps manual recordings; DELETE removes a file', async () => {
    const before = app.recordings.list({});
    assert.ok(before.some((r) => r.mode === 'motion'));
    const hours = await app.recordings.applyRetention(Date.now() + 2 * 3_600_000);
    assert.deepEqual(
      hours.map((d) => d.id).sort(),
      before
        .filter((r) => r.mode === 'continuous')
        .map((r) => r.id)
        .sort(),
    );
    const days = await app.recordings.applyRetention(Date.now() + 2 * 86_400_000);
    assert.deepEqual(
      days.map((d) => d.id).sort(),
      before
        .filter((r) => r.mode === 'motion')
        .map((r) => r.id)
        .sort(),
    );
    const left = app.recordings.list({});
    assert.ok(left.length > 0 && left.every((r) => r.mode === 'manual'));
    const id = left[0]!.id;
    assert.equal((await api('DELETE', `/api/recordings/${id}`)).status, 204);
    assert.equal((await api('GET', `/api/recordings/${id}`)).status, 404);
  });

  test('a reloaded recording config replaces only the changed recorders', async () => {
    const door = app.recordings.recorder('door');
    const next = {
      ...raw,
      cameras: raw.cameras.map((c) =>
        c['id'] === 'gate' ? { ...c, recording: { mode: 'motion', triggers: ['person'] } } : c,
      ),
    };
    await app.recordings.applyConfig(resolveOrThrow(next));
    assert.equal(app.recordings.recorder('door'), door, 'unchanged camera keeps its recorder');
    assert.equal(app.recordings.recorder('gate').state().mode, 'motion');
  });
});
