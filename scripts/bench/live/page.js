// Browser side of `npm run bench:live` (plain script, loaded after hls.js, the timestamp decoder
// bundle `LookoutTs` and the product's MSE client bundle `LookoutMse`). Exposes `window.bench`:
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
      /** A bridged tile (panel WebRTC): the first frame of its MSE overlay. */
      firstPictureAt: null,
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
    const onFrame = (_now, metadata) => {
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
          if (rec.onSample) rec.onSample(at, ts, metadata);
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

  /**
   * The product's player (panel/src/players/mse-client.js, bundled as `LookoutMse`): one LiveSocket
   * for the page, opened by `openSocket` before any measurement (as the panel does), one MsePlayer
   * per video with the product's live-edge defaults unless the bench overrides them.
   */
  let socket = null;

  function openSocket(url) {
    socket = new LookoutMse.LiveSocket(url);
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const check = () => {
        if (socket.ws && socket.ws.readyState === WebSocket.OPEN) resolve(true);
        else if (performance.now() - t0 > 10000) reject(new Error('websocket did not open'));
        else setTimeout(check, 20);
      };
      check();
    });
  }

  /**
   * Frame timeline from the product's own frame headers (Lookout's receive time) and the MSE
   * client's append records: capture → Lookout received → page received → appended → presented.
   */
  function mseTimeline(rec, video, player, sock) {
    rec.timeline = [];
    rec.onSample = (at, ts, metadata) => {
      const t = metadata && typeof metadata.mediaTime === 'number' ? metadata.mediaTime : video.currentTime;
      const frag = player.received.find((r) => r.end > t + 1e-4);
      if (!frag) return;
      const off = sock.clockOffsetMs ?? 0;
      // The callback runs at the rendering step after the compositor took the frame: split
      // appended → presented at the frame's presentationTime (when Chromium submitted it for
      // composition), so the player's lag and the measurement's own delay are told apart.
      const composited =
        metadata && typeof metadata.presentationTime === 'number'
          ? performance.timeOrigin + metadata.presentationTime
          : at;
      rec.timeline.push([
        at,
        frag.receivedAt - off - ts,
        frag.at - (frag.receivedAt - off),
        frag.appendedAt - frag.at,
        at - frag.appendedAt,
        composited - frag.appendedAt,
        at - composited,
      ]);
    };
  }

  function playMse(key, opt) {
    const video = newVideo();
    const rec = newRecord('mse', key, video);
    meter(rec);
    const player = new LookoutMse.MsePlayer(
      video,
      (state, detail) => {
        rec.events.push(detail ? `${state}: ${detail}` : state);
        if (state === 'error') rec.errors.push(detail || 'error');
      },
      opt || {},
    );
    player.play(socket, key);
    mseTimeline(rec, video, player, socket);
    rec.stop = () => {
      player.stop();
      video.remove();
    };
    rec.extra = () => {
      const b = video.buffered;
      rec.jumps = player.stats.jumps;
      rec.rateChanges = player.stats.rateChanges;
      return {
        bufferLagS: b.length ? b.end(b.length - 1) - video.currentTime : null,
        playbackRate: video.playbackRate,
        stalls: player.stats.stalls,
        edgeS: player.options.edgeS + player.extraS,
      };
    };
    players.set(rec.id, rec);
    return rec.id;
  }

  // ---------------------------------------------------------------- the panel's own tile players

  /** One LiveSocket for the page's panel players (as the card's sharedSocket), opened on first use. */
  let panelSock = null;
  function panelSocket() {
    panelSock ??= new LookoutPanel.LiveSocket(LookoutPanel.LiveSocket.urlFor('/api/ws'));
    return panelSock;
  }

  /**
   * The panel's TilePlayer for `tech` (panel/src/players, bundled as `LookoutPanel`), built as the
   * card's live-player controller builds it, with the panel's own settings.
   */
  function playPanel(tech, camera, profile) {
    const video = newVideo();
    const rec = newRecord(tech, `panel ${camera}/${profile}`, video);
    meter(rec);
    const api = new LookoutPanel.LookoutApi(`${location.origin}/`);
    const onState = (state, reason) => {
      rec.events.push(reason ? `${state}: ${reason}` : state);
      if (state === 'offline' || state === 'tech-failed' || state === 'unsupported')
        rec.errors.push(`${state}: ${reason}`);
    };
    let player;
    if (tech === 'mse') {
      const sock = panelSocket();
      player = new LookoutPanel.MseTilePlayer(video, sock, `${camera}/${profile}`, onState);
      mseTimeline(rec, video, player.player, sock);
      rec.extra = () => {
        const b = video.buffered;
        rec.jumps = player.player.stats.jumps;
        rec.rateChanges = player.player.stats.rateChanges;
        return {
          bufferLagS: b.length ? b.end(b.length - 1) - video.currentTime : null,
          playbackRate: video.playbackRate,
          stalls: player.player.stats.stalls,
          badge: player.latency(),
        };
      };
    } else if (tech === 'llhls') {
      const sock = panelSocket();
      player = new LookoutPanel.HlsTilePlayer(video, api.hlsUrl(camera, profile), onState, () =>
        sock.serverNow(),
      );
      rec.extra = () => ({ playbackRate: video.playbackRate, badge: player.latency() });
    } else {
      // The panel's WebRTC tile: MSE on an overlay video until WebRTC's first frame (webrtc-bridge.ts).
      // rec.firstFrameAt stays WebRTC's own first frame; rec.firstPictureAt is the tile's first
      // picture, whichever video presented it.
      player = new LookoutPanel.WebRtcBridgePlayer(video, api, panelSocket(), camera, profile, onState);
      const watch = new MutationObserver(() => {
        const overlay = video.nextElementSibling;
        if (!(overlay instanceof HTMLVideoElement) || !overlay.classList.contains('webrtc-bridge')) return;
        watch.disconnect();
        overlay.requestVideoFrameCallback(() => {
          if (rec.firstPictureAt === null) rec.firstPictureAt = Date.now();
        });
      });
      watch.observe(document.body, { childList: true });
      rec.extra = () => ({ badge: player.latency(), shown: player.shown() });
    }
    player.start();
    rec.stop = () => {
      player.stop();
      video.remove();
    };
    players.set(rec.id, rec);
    return rec.id;
  }

  // ---------------------------------------------------------------- WebRTC (WHEP via Lookout)

  /** Receive-only peer connection, offer sent once host candidates are gathered (as the panel's player). */
  function playWebrtc(whepPath) {
    const video = newVideo();
    const rec = newRecord('webrtc', whepPath, video);
    meter(rec);
    const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'max-bundle' });
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const stream = new MediaStream();
    pc.ontrack = (ev) => {
      stream.addTrack(ev.track);
      if (video.srcObject !== stream) video.srcObject = stream;
      video.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => rec.events.push(`pc ${pc.connectionState}`);
    let session = null;
    (async () => {
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        const t = setTimeout(resolve, 1000);
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const res = await fetch(whepPath, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp' },
        body: pc.localDescription.sdp,
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`WHEP ${res.status}: ${text.slice(0, 200)}`);
      session = new URL(res.headers.get('location'), new URL(whepPath, location.href)).href;
      await pc.setRemoteDescription({ type: 'answer', sdp: text });
    })().catch((e) => rec.errors.push(String(e.message || e)));
    rec.stop = () => {
      pc.close();
      if (session) fetch(session, { method: 'DELETE' }).catch(() => {});
      video.remove();
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
      // The tile's first picture: the player's own first frame, or a bridge's if that came earlier.
      firstPictureAt:
        rec.firstPictureAt === null || rec.firstFrameAt === null
          ? (rec.firstFrameAt ?? rec.firstPictureAt)
          : Math.min(rec.firstPictureAt, rec.firstFrameAt),
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
      // [capture→Lookout, Lookout→page, page→appended, appended→presented] ms per frame (MSE only).
      timeline:
        rec.timeline && since !== undefined
          ? rec.timeline.filter((x) => x[0] >= since).map((x) => x.slice(1))
          : undefined,
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

  // `internals`: for peer-page.js (bench:peers), which meters the peers' own players the same way.
  const internals = { newRecord, meter, players };
  window.bench = { playHls, playMse, playWebrtc, playPanel, openSocket, info, stop, internals, ready: true };
})();
