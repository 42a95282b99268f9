// Browser side of bench:live's LL-HLS rows (scripts/bench/live/stock-hlsjs.ts). Plain script, loaded
// after hls.min.js (global `Hls`: the stock player), the timestamp decoder bundle `LookoutTs` and the
// panel's LL-HLS tile player bundle `LookoutHlsTile` (panel/src/players/hls-player.ts with its own
// hls.js). Exposes `window.hlsBench`:
//   hlsBench.playStock(src, config) -> id    new Hls(config): the bench passes { lowLatencyMode: true }
//   hlsBench.playPanel(src) -> id            the panel's HlsTilePlayer, exactly as a tile runs it
//   hlsBench.info(id, since) -> frames since `since` with their media time and capture stamp, the
//                              player's part loads / appends / playlist loads (for the frame timeline)
//   hlsBench.stop(id)
// Latency is the frame's burned-in capture time (synthetic camera) against Date.now() when
// requestVideoFrameCallback presents it; the browser and the camera share this machine's clock.
(() => {
  'use strict';
  /** @type {Map<number, any>} */
  const players = new Map();
  let nextId = 1;
  /** performance.now() (hls.js stats) → epoch ms, the clock the server side records. */
  const epoch = (t) => (t ? Math.round((performance.timeOrigin + t) * 10) / 10 : null);
  const file = (u) => u.split('?')[0].split('/').pop();

  function newVideo() {
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.width = 320;
    document.body.appendChild(video);
    return video;
  }

  function newRecord(what, video) {
    return {
      id: nextId++,
      what,
      video,
      frames: [],
      undecoded: 0,
      waiting: 0,
      stalls: 0,
      /** part or segment URI → { start, duration, loadStart, firstByte, loaded, appended } */
      media: new Map(),
      /** part URI → epoch ms the player first received a playlist listing it */
      listed: new Map(),
      errors: [],
      hls: null,
      /** Start-up: first media playlist, first 'playing', hls.js latency then and 1 s later (s). */
      startup: { levelAt: null, playingAt: null, latencyAtPlaying: null, latency1s: null },
      stop: () => {},
    };
  }

  /** Every presented frame: presentation time, media time, decoded capture stamp. */
  function meter(rec) {
    const video = rec.video;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    video.addEventListener('waiting', () => rec.waiting++);
    video.addEventListener('playing', () => {
      if (rec.startup.playingAt !== null || !rec.hls) return;
      rec.startup.playingAt = Date.now();
      rec.startup.latencyAtPlaying = rec.hls.latency;
      setTimeout(() => rec.hls && (rec.startup.latency1s = rec.hls.latency), 1000);
    });
    const onFrame = (_now, meta) => {
      if (rec.stopped) return;
      const at = Date.now();
      const vw = video.videoWidth;
      const vh = video.videoHeight;
      if (vw > 0 && vh > 0) {
        const w = Math.min(vw, 640);
        const h = Math.round((vh * w) / vw);
        const band = Math.min(h, Math.ceil((h * 2) / 18) + 1);
        if (canvas.width !== w || canvas.height !== band) {
          canvas.width = w;
          canvas.height = band;
        }
        ctx.drawImage(video, 0, 0, w, h);
        const ts = LookoutTs.decodeTimestampFromRgba(ctx.getImageData(0, 0, w, band).data, w, h);
        if (ts === null) rec.undecoded++;
        else rec.frames.push([at, ts, meta.mediaTime]);
        if (rec.frames.length > 20000) rec.frames.splice(0, 5000);
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  /** What the player did with each part: hls.js events, times on the epoch clock. */
  function watchHls(rec, hls) {
    rec.hls = hls;
    const entry = (f) => {
      const k = file(f.url);
      let e = rec.media.get(k);
      if (!e) {
        e = {
          start: f.start,
          duration: f.duration,
          loadStart: null,
          firstByte: null,
          loaded: null,
          appended: null,
        };
        rec.media.set(k, e);
        if (rec.media.size > 4000) rec.media.delete(rec.media.keys().next().value);
      }
      return e;
    };
    hls.on(Hls.Events.FRAG_LOADED, (_e, d) => {
      const f = d.part || d.frag;
      const e = entry(f);
      e.start = f.start;
      e.duration = f.duration;
      e.loadStart = epoch(f.stats.loading.start);
      e.firstByte = epoch(f.stats.loading.first);
      e.loaded = epoch(f.stats.loading.end);
    });
    hls.on(Hls.Events.FRAG_BUFFERED, (_e, d) => {
      const f = d.part || d.frag;
      const e = entry(f);
      e.start = f.start;
      e.appended = epoch(f.stats.buffering.end);
    });
    hls.on(Hls.Events.LEVEL_LOADED, (_e, d) => {
      const at = epoch(d.stats.loading.end);
      if (rec.startup.levelAt === null) rec.startup.levelAt = at;
      for (const p of d.details.partList || []) {
        const k = file(p.url);
        if (!rec.listed.has(k)) rec.listed.set(k, at);
      }
      if (rec.listed.size > 4000) rec.listed.delete(rec.listed.keys().next().value);
    });
    hls.on(Hls.Events.ERROR, (_e, d) => {
      if (d.details === 'bufferStalledError') rec.stalls++;
      rec.errors.push(d.details + (d.fatal ? ' (fatal)' : ''));
      if (rec.errors.length > 50) rec.errors.shift();
    });
  }

  /** Stock hls.js: `config` as given, no recovery beyond hls.js's own, no seeking by the page. */
  function playStock(src, config) {
    const video = newVideo();
    const rec = newRecord(src, video);
    meter(rec);
    const hls = new Hls(config);
    watchHls(rec, hls);
    hls.loadSource(src);
    hls.attachMedia(video);
    video.play().catch(() => {});
    rec.stop = () => {
      hls.destroy();
      video.remove();
    };
    players.set(rec.id, rec);
    return rec.id;
  }

  /** The panel's tile player; its hls.js instance is watched once it exists (after the codec check). */
  function playPanel(src) {
    const video = newVideo();
    const rec = newRecord(src, video);
    meter(rec);
    const player = new LookoutHlsTile.HlsTilePlayer(video, src, (state, reason) => {
      if (state !== 'starting' && state !== 'live') rec.errors.push(`${state}: ${reason}`);
    });
    player.start();
    // `hls` is the player's own (TypeScript-private) field; hooked as soon as it is set.
    const hook = setInterval(() => {
      if (player.hls && player.hls !== rec.hls) watchHls(rec, player.hls);
    }, 5);
    rec.stop = () => {
      clearInterval(hook);
      player.stop();
      video.remove();
    };
    players.set(rec.id, rec);
    return rec.id;
  }

  function info(id, since) {
    const rec = players.get(id);
    if (!rec) return null;
    const hls = rec.hls;
    return {
      frames: rec.frames.filter((f) => f[0] >= since),
      undecoded: rec.undecoded,
      waiting: rec.waiting,
      stalls: rec.stalls,
      startup: rec.startup,
      errors: rec.errors.slice(-10),
      media: [...rec.media.entries()],
      listed: [...rec.listed.entries()],
      hlsLatencyS: hls ? hls.latency : null,
      hlsTargetLatencyS: hls ? hls.targetLatency : null,
      partHoldBackS: hls && hls.latestLevelDetails ? hls.latestLevelDetails.partHoldBack : null,
      playbackRate: rec.video.playbackRate,
      currentTime: rec.video.currentTime,
    };
  }

  function stop(id) {
    const rec = players.get(id);
    if (!rec) return;
    rec.stopped = true;
    rec.stop();
    players.delete(id);
  }

  window.hlsBench = { playStock, playPanel, info, stop, ready: true };
})();
