// Browser side of `npm run bench:live` (plain script, loaded after hls.js and the timestamp decoder
// bundle `LookoutTs`). Exposes `window.bench`:
//   bench.playHls(src, hlsConfig) / bench.playMse(key, mseOptions) -> player id (starts at once)
//   bench.info(id) -> counters, first-frame time, latency samples since `since`
//   bench.stop(id)
// Every presented frame (requestVideoFrameCallback) is drawn into a canvas; the top band's burned-in
// capture time is decoded and latency = Date.now() - capture ms (same machine clock as the camera).
(() => {
  'use strict';
  /** @type {Map<number, any>} */
  const players = new Map();
  let nextId = 1;

  function newVideo() {
    const video = document.createElement('video');
    video.muted = true;
    video.autoplay = true;
    video.playsInline = true;
    video.width = 320;
    document.body.appendChild(video);
    return video;
  }

  function newRecord(tech, what, video) {
    return {
      id: nextId++,
      tech,
      what,
      video,
      t0: Date.now(),
      firstRvfcAt: null,
      firstFrameAt: null,
      firstFrameAgeMs: null,
      frames: 0,
      undecoded: 0,
      /** [presentedAtMs, latencyMs] */
      samples: [],
      errors: [],
      events: [],
      waiting: 0,
      jumps: 0,
      rateChanges: 0,
      stopped: false,
      stop: () => {},
      extra: () => ({}),
    };
  }

  /** Decodes the capture time from every presented frame. */
  function meter(rec) {
    const video = rec.video;
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    video.addEventListener('waiting', () => rec.waiting++);
    const onFrame = () => {
      if (rec.stopped) return;
      const at = Date.now();
      if (rec.firstRvfcAt === null) rec.firstRvfcAt = at;
      const vw = video.videoWidth;
      const vh = video.videoHeight;
      if (vw > 0 && vh > 0) {
        // At most 640 wide: the cells are fractions of the frame, so scaling keeps the pattern.
        const w = Math.min(vw, 640);
        const h = Math.round((vh * w) / vw);
        const band = Math.min(h, Math.ceil((h * 2) / 18) + 1);
        if (canvas.width !== w || canvas.height !== band) {
          canvas.width = w;
          canvas.height = band;
        }
        ctx.drawImage(video, 0, 0, w, h);
        const img = ctx.getImageData(0, 0, w, band);
        const ts = LookoutTs.decodeTimestampFromRgba(img.data, w, h);
        rec.frames++;
        if (ts === null) rec.undecoded++;
        else {
          if (rec.firstFrameAt === null) {
            rec.firstFrameAt = at;
            rec.firstFrameAgeMs = at - ts;
          }
          rec.samples.push([at, at - ts]);
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  // ---------------------------------------------------------------- LL-HLS (hls.js)

  /**
   * `catchUp` (seconds, 0 = off): hls.js only raises playbackRate while more than 1 s is buffered
   * ahead, which never holds at sub-second targets, so a player that started late stays late. When
   * hls.js's own latency estimate stayed more than `catchUp` above its target for a whole second, seek
   * to hls.liveSyncPosition (at most every 3 s; counted as jumps).
   */
  function playHls(src, config, catchUp) {
    const video = newVideo();
    const rec = newRecord('llhls', src, video);
    meter(rec);
    let hls = null;
    const over = [];
    let lastJump = 0;
    const timer = setInterval(() => {
      if (!catchUp || !hls || video.paused || video.seeking || hls.targetLatency === null) return;
      const now = performance.now();
      over.push([now, hls.latency - hls.targetLatency]);
      while (over.length && over[0][0] < now - 1000) over.shift();
      if (over[0][0] > now - 900 || now - lastJump < 3000) return;
      const pos = hls.liveSyncPosition;
      if (Math.min(...over.map((x) => x[1])) > catchUp && pos !== null && pos > video.currentTime) {
        video.currentTime = pos;
        lastJump = now;
        over.length = 0;
        rec.jumps++;
      }
    }, 100);
    let attempts = 0;
    const create = () => {
      if (rec.stopped) return;
      hls = new Hls(config);
      hls.on(Hls.Events.FRAG_BUFFERED, () => {
        attempts = 0;
      });
      hls.on(Hls.Events.ERROR, (_e, d) => {
        rec.errors.push(d.details + (d.fatal ? ' (fatal)' : ''));
        if (!d.fatal) return;
        attempts++;
        if (attempts <= 2 && d.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
        if (attempts <= 2 && d.type === Hls.ErrorTypes.NETWORK_ERROR)
          return void setTimeout(() => hls.startLoad(), 300);
        hls.destroy();
        setTimeout(create, Math.min(4000, 250 * 2 ** attempts));
      });
      hls.loadSource(src);
      hls.attachMedia(video);
      video.play().catch(() => {});
    };
    create();
    rec.stop = () => {
      clearInterval(timer);
      hls?.destroy();
      video.remove();
    };
    rec.extra = () => ({
      hlsLatencyS: hls ? hls.latency : null,
      hlsTargetLatencyS: hls ? hls.targetLatency : null,
      playbackRate: video.playbackRate,
    });
    players.set(rec.id, rec);
    return rec.id;
  }

  // ---------------------------------------------------------------- MSE over WebSocket

  /** One socket for the page, opened by `openSocket` before any measurement (as the live page does). */
  let socket = null;
  /** @type {Map<number, any>} stream id -> MSE player */
  const mseById = new Map();
  let nextStreamId = 1;

  function openSocket(url) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        socket = ws;
        resolve(true);
      };
      ws.onerror = () => reject(new Error('websocket error'));
      ws.onclose = () => {
        for (const p of mseById.values()) p.rec.errors.push('socket closed');
      };
      ws.onmessage = (ev) => {
        if (typeof ev.data === 'string') {
          let msg;
          try {
            msg = JSON.parse(ev.data);
          } catch {
            return;
          }
          const p = typeof msg.id === 'number' ? mseById.get(msg.id) : undefined;
          if (p) p.control(msg);
          return;
        }
        const bytes = new Uint8Array(ev.data);
        if (bytes.byteLength < 4) return;
        const id = (bytes[2] << 8) | bytes[3];
        const p = mseById.get(id);
        if (p) p.media(bytes[0], bytes.subarray(4));
      };
    });
  }

  /**
   * Minimal MSE player following contracts/mse-ws.ts: JSON init (mimeType) -> new MediaSource;
   * binary init + fragments appended in order. Live edge: on the first media it seeks to
   * end - edgeS; afterwards playbackRate `rate` while the lag behind the buffered end (its minimum
   * over the last second) is above hiS, back to 1 below loS, and a seek when more than jumpS behind
   * (or outside the buffer).
   */
  function playMse(key, opt) {
    const video = newVideo();
    const rec = newRecord('mse', key, video);
    meter(rec);
    const sid = nextStreamId++;
    const p = {
      rec,
      ms: null,
      sb: null,
      queue: [],
      url: '',
      started: false,
      lastTrim: 0,
      timer: null,
      lags: [],
    };
    const teardown = () => {
      p.queue = [];
      p.sb = null;
      p.started = false;
      if (p.ms) {
        p.ms = null;
        video.removeAttribute('src');
        video.load();
        URL.revokeObjectURL(p.url);
      }
    };
    const chase = () => {
      const b = video.buffered;
      if (b.length === 0) return;
      const start = b.start(b.length - 1);
      const end = b.end(b.length - 1);
      const t = video.currentTime;
      if (video.seeking) return;
      if (!p.started || t < start || t > end || end - t > opt.jumpS) {
        video.currentTime = Math.max(start, end - opt.edgeS);
        if (p.started) rec.jumps++;
        p.started = true;
      } else {
        // The buffered end advances a whole fragment per append, so the instantaneous lag saws
        // between L and L + fragment; steer the minimum over the last second (L) instead.
        const now = performance.now();
        p.lags.push([now, end - t]);
        while (p.lags.length && p.lags[0][0] < now - 1000) p.lags.shift();
        const minLag = Math.min(...p.lags.map((x) => x[1]));
        if (minLag > opt.hiS && video.playbackRate !== opt.rate) {
          video.playbackRate = opt.rate;
          rec.rateChanges++;
        } else if (minLag < opt.loS && video.playbackRate !== 1) {
          video.playbackRate = 1;
          rec.rateChanges++;
        }
      }
      if (video.paused) video.play().catch(() => {});
    };
    const pump = () => {
      const sb = p.sb;
      if (!sb || sb.updating || !p.ms || p.ms.readyState !== 'open') return;
      chase();
      const now = performance.now();
      if (now - p.lastTrim > 5000) {
        p.lastTrim = now;
        const b = sb.buffered;
        const cut = video.currentTime - 8;
        if (b.length > 0 && b.start(0) < cut) {
          sb.remove(0, cut);
          return;
        }
      }
      const next = p.queue.shift();
      if (!next) return;
      try {
        sb.appendBuffer(next);
      } catch (err) {
        rec.errors.push(`append: ${err && err.message}`);
      }
    };
    p.control = (msg) => {
      rec.events.push(
        `${msg.type}${msg.state ? ':' + msg.state : ''}${msg.discontinuity ? ' (discontinuity)' : ''}`,
      );
      if (msg.type === 'error') rec.errors.push(msg.message);
      if (msg.type !== 'init') return;
      teardown();
      const ms = new MediaSource();
      p.ms = ms;
      p.url = URL.createObjectURL(ms);
      ms.addEventListener(
        'sourceopen',
        () => {
          if (p.ms !== ms) return;
          const sb = ms.addSourceBuffer(msg.mimeType);
          sb.mode = 'segments';
          sb.addEventListener('updateend', pump);
          sb.addEventListener('error', () => rec.errors.push('SourceBuffer error'));
          p.sb = sb;
          pump();
        },
        { once: true },
      );
      video.src = p.url;
    };
    p.media = (kind, payload) => {
      if (!p.ms) return;
      p.queue.push(payload.slice());
      pump();
    };
    p.timer = setInterval(() => p.sb && !p.sb.updating && chase(), 50);
    mseById.set(sid, p);
    socket.send(JSON.stringify({ type: 'subscribe', id: sid, key }));
    rec.stop = () => {
      clearInterval(p.timer);
      if (socket && socket.readyState === WebSocket.OPEN)
        socket.send(JSON.stringify({ type: 'unsubscribe', id: sid }));
      mseById.delete(sid);
      teardown();
      video.remove();
    };
    rec.extra = () => {
      const b = video.buffered;
      return {
        bufferLagS: b.length ? b.end(b.length - 1) - video.currentTime : null,
        playbackRate: video.playbackRate,
      };
    };
    players.set(rec.id, rec);
    return rec.id;
  }

  function info(id, since) {
    const rec = players.get(id);
    if (!rec) return null;
    return {
      tech: rec.tech,
      what: rec.what,
      t0: rec.t0,
      firstRvfcAt: rec.firstRvfcAt,
      firstFrameAt: rec.firstFrameAt,
      firstFrameAgeMs: rec.firstFrameAgeMs,
      frames: rec.frames,
      undecoded: rec.undecoded,
      samples: since === undefined ? [] : rec.samples.filter((s) => s[0] >= since).map((s) => s[1]),
      errors: rec.errors.slice(-10),
      events: rec.events.slice(-10),
      waiting: rec.waiting,
      jumps: rec.jumps,
      rateChanges: rec.rateChanges,
      currentTime: rec.video.currentTime,
      ...rec.extra(),
    };
  }

  function stop(id) {
    const rec = players.get(id);
    if (!rec) return;
    rec.stopped = true;
    rec.stop();
    players.delete(id);
  }

  window.bench = { playHls, playMse, openSocket, info, stop, ready: true };
})();
