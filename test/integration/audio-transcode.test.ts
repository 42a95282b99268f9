/**
 * FFmpeg arguments checked end to end against the synthetic camera: G.711 (PCMA) camera audio with
 * `audio: auto` reaches the hub as AAC that decodes; a `mode: transcode` profile has the requested
 * size and a keyframe every 1 s as measured by the hub, whatever the camera's own GOP; and the live
 * page plays that audio + video in Chromium.
 */
import { FMP4_FROM_STDIN } from '../../addon/src/lib/ffmpeg-input.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { SyntheticCamera } from '../../addon/src/demo/synthetic-camera.js';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import type { Lookout } from '../../addon/src/main.js';
import { FAST_STREAM, resolveOrThrow, tempDir, startTestLookout } from '../helpers/setup.js';
import { waitFor } from '../helpers/processes.js';
import { streamKey } from '../../addon/src/contracts/stream-key.js';
import type { Supervisor } from '../../addon/src/supervisor/supervisor.js';
import type { Fragment, InitRecord } from '../../addon/src/hub/index.js';

/** Decodes the audio of init + fragments with FFmpeg; one `framecrc` line per decoded frame. */
async function decodedAudioFrames(
  init: Buffer,
  parts: Buffer[],
): Promise<{ code: number | null; out: string }> {
  const child = spawn('ffmpeg', [...FMP4_FROM_STDIN, '-map', '0:a:0', '-f', 'framecrc', 'pipe:1'], {
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin.on('error', () => {});
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdin.end(Buffer.concat([init, ...parts]));
  return { code: await closed, out };
}

describe('audio and transcode arguments', () => {
  let cam: SyntheticCamera;
  let sup: Supervisor;
  let app: Lookout;
  let browser: Browser | undefined;

  before(async () => {
    cam = await SyntheticCamera.start({
      names: ['yard'],
      audio: 'pcma',
      main: { width: 640, height: 360, fps: 15, gop: 15 },
      // A 3 s camera GOP, so a 1 s GOP in the output can only come from the transcode.
      sub: { width: 640, height: 360, fps: 15, gop: 45 },
    });
    const config = resolveOrThrow({
      server: { host: '127.0.0.1', port: 0, data_dir: tempDir() },
      defaults: { audio: 'auto', stream: FAST_STREAM },
      cameras: [
        {
          id: 'yard',
          name: 'Yard',
          vendor: 'generic',
          profiles: {
            main: { url: cam.url('yard', 'main') },
            sub: {
              url: cam.url('yard', 'sub'),
              mode: 'transcode',
              transcode: { width: 320, height: 180, fps: 10, keyframe_interval: '1s' },
            },
          },
        },
      ],
    });
    app = await startTestLookout(config);
    sup = app.supervisor;
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
    await cam?.close();
  });

  test('G.711 camera audio with audio: auto reaches the hub as AAC that decodes', async () => {
    const key = streamKey('yard', 'main');
    const { lease } = sup.acquireLease(key, { kind: 'api' });
    const parts: Buffer[] = [];
    let init: InitRecord | null = null;
    let mediaS = 0;
    const reader = sup.hub(key).subscribe({
      name: 'test',
      write: (ev) => {
        if (ev.type === 'init') init = ev.init;
        if (ev.type === 'fragment') {
          parts.push(ev.fragment.data);
          mediaS += ev.fragment.durationS;
        }
      },
    });
    try {
      // By duration, not fragment count: fragments are one frame each on the FLV path, 50 ms otherwise.
      await waitFor(() => mediaS >= 2, 20_000, '2 s of media').catch((err: Error) => {
        const st = sup.status(key);
        throw new Error(
          `${err.message}: ${st.state} (${st.reason}), stderr ${st.stderrTail.slice(-4).join(' | ')}`,
        );
      });
      const h = sup.hub(key).status();
      assert.equal(h.audio?.codec, 'mp4a.40.2', `audio in the hub: ${JSON.stringify(h.audio)}`);
      assert.equal(h.audio?.g711, null);
      assert.match(h.codecs ?? '', /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
      assert.ok(!h.warnings.some((w) => /G\.711/.test(w)), h.warnings.join('; '));
      const decoded = await decodedAudioFrames(init!.data, parts);
      assert.equal(decoded.code, 0, decoded.out);
      const frames = decoded.out.split('\n').filter((l) => /^0,/.test(l)).length;
      // One AAC frame is 1024 samples (128 ms at the camera's 8 kHz).
      const seconds = (frames * 1024) / (h.audio?.sampleRate ?? 8000);
      assert.ok(
        seconds >= 1,
        `decoded ${frames} AAC frames (${seconds.toFixed(2)} s) from ${parts.length} fragments`,
      );
    } finally {
      reader.close();
      sup.releaseLease(lease.id);
    }
  });

  test('with audio, the timeline follows the video: a GOP of fragments lasts its keyframe interval', async () => {
    // FFmpeg's interleaving now and then cuts a fragment holding only audio. Its audio overlaps the
    // video fragments around it, so it must add no time: counted, EXTINF and part durations ran one
    // audio fragment (~64-128 ms) long per occurrence and players' playlist timeline drifted.
    const key = streamKey('yard', 'main');
    const { lease } = sup.acquireLease(key, { kind: 'api' });
    const frags: Fragment[] = [];
    let videoId: number | null = null;
    const reader = sup.hub(key).subscribe({
      name: 'test',
      write: (ev) => {
        if (ev.type === 'init') videoId = ev.init.info.video?.id ?? null;
        if (ev.type === 'fragment') frags.push(ev.fragment);
      },
    });
    try {
      await waitFor(() => frags.filter((f) => f.independent).length >= 5, 25_000, 'five keyframes');
      assert.ok(videoId !== null);
      const audioOnly = frags.filter((f) => !f.info.tracks.some((t) => t.trackId === videoId));
      for (const f of audioOnly) assert.equal(f.durationS, 0, 'an audio-only fragment adds no time');
      const keys = frags.flatMap((f, i) => (f.independent ? [i] : []));
      const diffs: number[] = [];
      // From the second keyframe on (the first GOP carries the AAC priming shift).
      for (let k = 1; k + 1 < keys.length; k++) {
        const [a, b] = [keys[k]!, keys[k + 1]!];
        const sum = frags.slice(a, b).reduce((n, f) => n + f.durationS, 0);
        diffs.push(Math.abs(sum - (frags[b]!.decodeTimeS - frags[a]!.decodeTimeS)) * 1000);
      }
      console.log(
        `# A/V timeline: ${frags.length} fragments, ${audioOnly.length} audio-only; |sum of durations - keyframe interval| ${diffs.map((d) => d.toFixed(1)).join(', ')} ms`,
      );
      assert.ok(diffs.length >= 3);
      for (const d of diffs) assert.ok(d < 2, `a GOP's durations miss its interval by ${d.toFixed(1)} ms`);
    } finally {
      reader.close();
      sup.releaseLease(lease.id);
    }
  });

  test('mode: transcode → 320x180 with a keyframe every 1 s as measured by the hub', async () => {
    const key = streamKey('yard', 'sub');
    const { lease } = sup.acquireLease(key, { kind: 'api' });
    const keyTimes: number[] = [];
    const reader = sup.hub(key).subscribe({
      name: 'test',
      write: (ev) => {
        if (ev.type === 'fragment' && ev.fragment.independent) keyTimes.push(ev.fragment.decodeTimeS);
      },
    });
    try {
      // The hub's gopS is the largest of the last 4 intervals. The first GOP of an A/V transcode is one
      // AAC frame longer (FFmpeg shifts video after the first frame by the encoder's audio priming:
      // 1024 samples = 128 ms at 8 kHz), so measure once it has left the window.
      await waitFor(() => keyTimes.length >= 7, 25_000, 'seven keyframes');
      const st = sup.status(key);
      const gaps = keyTimes.slice(1).map((t, i) => Number((t - keyTimes[i]!).toFixed(3)));
      console.log(
        `# transcode profile: ${st.media.width}x${st.media.height}, hub gopS ${st.media.gopS} s, ${st.media.fps?.toFixed(1)} fps, ${st.media.codecs}; keyframe intervals ${gaps.join(', ')}`,
      );
      assert.equal(st.media.width, 320);
      assert.equal(st.media.height, 180);
      assert.ok(st.media.gopS !== null && Math.abs(st.media.gopS - 1) < 0.02, `gopS ${st.media.gopS}`);
      for (const g of gaps.slice(1)) assert.ok(Math.abs(g - 1) < 0.02, `keyframe interval ${g}`);
      assert.ok(gaps[0]! < 1.2, `first GOP ${gaps[0]}`);
      assert.ok(st.media.fps !== null && Math.abs(st.media.fps - 10) < 1.5, `fps ${st.media.fps}`);
      assert.match(st.media.codecs ?? '', /mp4a\.40\.2/, 'transcoded profile keeps AAC audio');
    } finally {
      reader.close();
      sup.releaseLease(lease.id);
    }
  });

  test('the live page plays the AAC audio and the video in Chromium', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${app.url}/?tech=mse`);
    // The page plays the sub profile (here the transcoded one, with AAC from the G.711 source).
    const sample = `(() => { const v = document.querySelector('lookout-panel')?.shadowRoot?.querySelector('lookout-grid-card')
      ?.shadowRoot?.querySelector('lookout-camera-tile')?.shadowRoot?.querySelector('video');
      return v ? { t: v.currentTime, audio: v.webkitAudioDecodedByteCount, video: v.webkitVideoDecodedByteCount } : null; })()`;
    await page.waitForFunction(`${sample}?.t > 0`, undefined, { timeout: 20_000, polling: 100 });
    // Look for a 2 s window of steady playback. A stream restart in between (the player rebuilds its
    // MediaSource and currentTime starts over) is recovery, not failure: sample again (up to 5 windows).
    type Sample = { t: number; audio: number; video: number };
    let a = (await page.evaluate(sample)) as Sample;
    let b = a;
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      b = (await page.evaluate(sample)) as Sample;
      if (b.t > a.t + 1 && b.audio > a.audio && b.video > a.video) break;
      a = b;
    }
    assert.ok(b.t > a.t + 1, `playing: ${a.t} → ${b.t}`);
    assert.ok(b.audio > a.audio, `audio decoded: ${a.audio} → ${b.audio} bytes`);
    assert.ok(b.video > a.video, `video decoded: ${a.video} → ${b.video} bytes`);
  });
});
