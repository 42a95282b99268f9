// Browser-side MSE-over-WebSocket client: one LiveSocket per page multiplexes every tile's stream;
// one MsePlayer per <video>. Plain ES module with no build step, so the live page loads it as is and
// the Lit panel can import it later. The framing is defined in addon/src/contracts/mse-ws.ts; the
// constants below repeat it (a test keeps them equal).

export const FRAME_HEADER_BYTES = 12;
export const FRAME_RECEIVED_OFFSET = 4;
export const FRAME_INIT = 1;
export const FRAME_FRAGMENT = 2;
export const FLAG_KEYFRAME = 1;
export const MAX_STREAM_ID = 0xffff;

/**
 * How the player keeps to the live edge (seconds; override per player through the constructor).
 * The lag is `buffered end − currentTime`. The buffered end already includes the newest frame's
 * duration, so the lag just before the next fragment lands is the margin the player had left before
 * its buffer ran dry (Chromium's low-delay renderer underflows at the buffered end), and it is also
 * what the player adds to glass-to-glass: the newest frame is shown that long after its append.
 * The player takes the minimum lag over the last second (L, the lag at the appends) and steers it
 * into [loS, hiS]: playing at `rate` once L is above hiS until it is below loS. It jumps to edgeS
 * before the newest frame's start at the start and when more than jumpS behind (or outside the
 * buffer). Fragments that arrived late (within jitterWindowS) raise both targets by how much later
 * they came than the last second's latest, so it does not catch up into a lag a late frame would
 * stall. After each stall (the buffer ran dry) it adds stallIncreaseS to its targets, up to maxEdgeS, so a busy
 * machine settles at a lag it can sustain instead of stalling again and again; every decayEveryS
 * without a stall it takes stallDecreaseS of that back (a passing load spike does not cost latency
 * for the life of the tile).
 */
export const LIVE_EDGE_DEFAULTS = Object.freeze({
  // bench:live's frame timeline (README "Where the MSE time goes"): appended → presented is L plus
  // ~20-35 ms of Chromium's own (decode, compositor; the rVFC measurement adds ~1 ms on a quiet
  // page), whatever L is. Chromium already renders this stream in its low-delay mode (the init
  // segment declares no duration: one decoded frame is enough to play), so L is the part the player
  // owns: loS 0.1 (the old default) cost ~100 ms on every tile. At 0.02 a quiet machine played
  // without a stall in some runs and fell into stall storms in others; 0.035-0.05 played every run
  // without one, so the floor is 0.04 and a loaded browser (a 9-tile grid on 2 cores) raises its
  // own lag from there (late fragments, stallIncreaseS).
  edgeS: 0.04,
  loS: 0.04,
  hiS: 0.12,
  rate: 1.25,
  jumpS: 1.5,
  stallIncreaseS: 0.05,
  maxEdgeS: 0.5,
  /** After this long without a stall, a stall's increase is taken back by stallDecreaseS. */
  decayEveryS: 10,
  stallDecreaseS: 0.025,
  /** How long a late fragment keeps the targets up (see jitterS). */
  jitterWindowS: 10,
});
/** How often the live edge is checked between appends (ms). */
const FOLLOW_EVERY_MS = 50;
/** Media kept behind the playhead; older data is removed so the SourceBuffer never hits its quota. */
const KEEP_BEHIND_S = 10;
const RECONNECT_STEPS_MS = [500, 1000, 2000, 5000];
/** Clock probes (contracts/mse-ws.ts `time`): a few at connect, then one now and then. */
const TIME_PROBES_AT_OPEN = 3;
const TIME_PROBE_EVERY_MS = 30_000;
/** Appended fragments remembered for the latency badge (a few seconds' worth). */
const RECEIVED_KEEP = 128;

/**
 * The MediaSource this browser has: `ManagedMediaSource` (Safari 17+, iOS 17.1+: the only one on
 * iPhones) or the classic `MediaSource`. Managed is preferred where both exist: Safari lets the
 * browser manage its memory, which is what it is for.
 */
export function mediaSourceClass() {
  if (typeof window === 'undefined') return null;
  return window.ManagedMediaSource || window.MediaSource || null;
}

/**
 * One WebSocket for the page. Players attach with a stream key; the socket assigns each subscription
 * a fresh 16-bit id (a re-used id could receive a late fragment of the previous stream), reconnects
 * with capped backoff and re-subscribes every attached player.
 */
export class LiveSocket {
  /** @param {string | URL} url ws:// or wss:// URL of /live/ws (build it relative to the page). */
  constructor(url) {
    this.url = String(url);
    /** @type {Map<number, MsePlayer>} */
    this.players = new Map();
    this.nextId = 1;
    this.attempt = 0;
    this.closed = false;
    /** The socket has opened at least once (a proxy that drops upgrades never gets here). */
    this.opened = false;
    /** @type {WebSocket | null} */
    this.ws = null;
    /** Lookout's clock minus ours (ms), from the lowest-rtt `time` probe; null before the first. */
    this.clockOffsetMs = null;
    this.bestRttMs = Infinity;
    this.timeTimer = 0;
    this.probeId = 0;
    this.connect();
  }

  /** Our Date.now() on Lookout's clock (ms), or null before the clock is known. */
  serverNow() {
    return this.clockOffsetMs === null ? null : Date.now() + this.clockOffsetMs;
  }

  probeClock() {
    if (this.ws && this.ws.readyState === WebSocket.OPEN)
      this.send({ type: 'time', id: (this.probeId = (this.probeId % MAX_STREAM_ID) + 1), t: Date.now() });
  }

  onTime(msg) {
    const at = Date.now();
    const rtt = at - msg.t;
    if (!(rtt >= 0) || typeof msg.now !== 'number') return;
    // NTP's rule: the sample with the smallest round trip bounds the offset best. A sample much
    // older than the best one is replaced anyway, so a clock step on either side is followed.
    if (rtt <= this.bestRttMs || this.clockOffsetMs === null) {
      this.bestRttMs = rtt;
      this.clockOffsetMs = msg.now - (msg.t + rtt / 2);
    }
  }

  /** The page-relative WebSocket URL, e.g. for `live/ws` under an HA ingress path. */
  static urlFor(relative, base = location.href) {
    const u = new URL(relative, base);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u;
  }

  connect() {
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.opened = true;
      for (const [id, player] of this.players) this.send({ type: 'subscribe', id, key: player.key });
      this.bestRttMs = Infinity;
      for (let i = 0; i < TIME_PROBES_AT_OPEN; i++) setTimeout(() => this.probeClock(), i * 200);
      clearInterval(this.timeTimer);
      this.timeTimer = setInterval(() => {
        // Forget the best sample now and then: it may predate a clock step.
        this.bestRttMs = Infinity;
        this.probeClock();
      }, TIME_PROBE_EVERY_MS);
    };
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onclose = () => {
      if (this.closed) return;
      for (const player of this.players.values()) player.socketLost();
      const delay = RECONNECT_STEPS_MS[Math.min(this.attempt++, RECONNECT_STEPS_MS.length - 1)];
      setTimeout(() => !this.closed && this.connect(), delay);
    };
  }

  /** Subscribes `player` to `key`; returns the stream id. */
  subscribe(player, key) {
    let id = this.nextId;
    while (this.players.has(id)) id = (id % MAX_STREAM_ID) + 1;
    this.nextId = (id % MAX_STREAM_ID) + 1;
    this.players.set(id, player);
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.send({ type: 'subscribe', id, key });
    return id;
  }

  unsubscribe(id) {
    if (!this.players.delete(id)) return;
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.send({ type: 'unsubscribe', id });
  }

  /** Forgets a subscription the server already ended (no unsubscribe message: it has none to end). */
  forget(id) {
    this.players.delete(id);
  }

  close() {
    this.closed = true;
    clearInterval(this.timeTimer);
    this.ws?.close();
  }

  send(msg) {
    this.ws?.send(JSON.stringify(msg));
  }

  onMessage(data) {
    if (typeof data === 'string') {
      let msg;
      try {
        msg = JSON.parse(data);
      } catch {
        return;
      }
      if (msg.type === 'time') this.onTime(msg);
      else if (typeof msg.id === 'number') this.players.get(msg.id)?.onControl(msg);
      else console.warn('lookout live:', msg.message ?? msg);
      return;
    }
    const bytes = new Uint8Array(data);
    if (bytes.byteLength < FRAME_HEADER_BYTES) return;
    const id = (bytes[2] << 8) | bytes[3];
    const player = this.players.get(id);
    if (!player) return; // a late frame of a stream just unsubscribed
    const payload = bytes.subarray(FRAME_HEADER_BYTES);
    const receivedAt = new DataView(bytes.buffer, bytes.byteOffset, FRAME_HEADER_BYTES).getFloat64(
      FRAME_RECEIVED_OFFSET,
    );
    if (bytes[0] === FRAME_INIT) player.onInit(payload);
    else if (bytes[0] === FRAME_FRAGMENT)
      player.onFragment(payload, (bytes[1] & FLAG_KEYFRAME) !== 0, receivedAt);
  }
}

/**
 * Plays one stream key in one <video> through Media Source Extensions. On every init with
 * `discontinuity` (FFmpeg restarted) or a new subscription it throws the MediaSource away and builds a
 * new one (FIELD-NOTES #20: destroy and recreate beats patching stale state). `onState(text)` reports
 * what the tile should show.
 */
export class MsePlayer {
  /**
   * @param {HTMLVideoElement} video
   * @param {(state: string, detail?: string) => void} [onState]
   * @param {Partial<typeof LIVE_EDGE_DEFAULTS>} [options] live-edge keeping, see LIVE_EDGE_DEFAULTS
   */
  constructor(video, onState = () => {}, options = {}) {
    this.video = video;
    this.onState = onState;
    this.options = { ...LIVE_EDGE_DEFAULTS, ...options };
    /** Added to the edge targets after stalls (reset by a new subscription), taken back over time. */
    this.extraS = 0;
    this.lastStallAt = 0;
    /** Counters for tests and benchmarks: seeks to the edge, playbackRate changes, stalls. */
    this.stats = { jumps: 0, rateChanges: 0, stalls: 0 };
    /** Seek to the edge once the first media is buffered. */
    this.started = false;
    /** @type {Array<[number, number]>} (time ms, lag s) over the last second */
    this.lags = [];
    this.followTimer = 0;
    this.onWaiting = () => {
      if (!this.started || !this.ms) return;
      this.stats.stalls++;
      this.lastStallAt = performance.now();
      const o = this.options;
      this.extraS = Math.min(o.maxEdgeS - o.edgeS, this.extraS + o.stallIncreaseS);
    };
    video.addEventListener('waiting', this.onWaiting);
    /** @type {LiveSocket | null} */
    this.socket = null;
    this.key = '';
    this.id = 0;
    /** @type {MediaSource | null} */
    this.ms = null;
    /** @type {SourceBuffer | null} */
    this.sb = null;
    this.mimeType = '';
    /** @type {Array<{ bytes: Uint8Array, receivedAt: number | null, at: number }>} */
    this.queue = [];
    /** The queue entry being appended (its buffered end is recorded on updateend). */
    this.appending = null;
    /**
     * Appended fragments, oldest first: where each ends in media time, when Lookout received it
     * (its clock) and when it reached this page and was appended (ours). The badge finds the one on
     * screen; benchmarks read the frame timeline from it.
     * @type {Array<{ end: number, receivedAt: number, at: number, appendedAt: number }>}
     */
    this.received = [];
    /** ManagedMediaSource's hint (startstreaming/endstreaming); classic MediaSource: always true. */
    this.streaming = true;
    /** The buffered end after the last append, and how far that append moved it (s). */
    this.lastEnd = 0;
    this.fragS = 0;
    /**
     * Page arrival minus media end of each fragment (s) over the last jitterWindowS, recorded once
     * the player has caught up after its start (the start's burst of a cached GOP is not jitter).
     * @type {Array<[number, number]>}
     */
    this.arrivals = [];
    this.steady = false;
    this.objectUrl = '';
    this.lastTrim = 0;
    /** Retries after the server ended this subscription; reset once playing (FIELD-NOTES #21). */
    this.retries = 0;
    this.retryTimer = 0;
  }

  /** Starts (or switches to) `key` on `socket`. */
  play(socket, key) {
    this.stop();
    clearTimeout(this.retryTimer);
    this.extraS = 0;
    this.socket = socket;
    this.key = key;
    this.onState('connecting', key);
    this.id = socket.subscribe(this, key);
  }

  /** Stops this tile only; the shared upstream keeps running for everyone else (FIELD-NOTES #23). */
  stop() {
    if (this.socket && this.id) this.socket.unsubscribe(this.id);
    this.id = 0;
    this.teardown();
  }

  socketLost() {
    this.teardown();
    this.onState('reconnecting', 'socket closed');
  }

  /**
   * Seconds since Lookout received the frame on screen (on Lookout's clock, so a browser whose
   * clock differs still reads true), or null before that is known. Unlike the buffer lag it counts
   * the socket, the append and the player's own lag; it does not count the camera and FFmpeg.
   */
  receiveAge() {
    const now = this.socket ? this.socket.serverNow() : null;
    if (now === null || this.received.length === 0) return null;
    const t = this.video.currentTime;
    const frag = this.received.find((r) => r.end > t) ?? this.received[this.received.length - 1];
    return Math.max(0, (now - frag.receivedAt) / 1000);
  }

  onControl(msg) {
    if (msg.type === 'init') {
      const MS = mediaSourceClass();
      if (!MS || !MS.isTypeSupported(msg.mimeType)) {
        // Not a fault to retry: the tile asks for a playable variant (or says it cannot play this).
        this.onState('unsupported', msg.codecs);
        return;
      }
      // A new subscription or a restart: timestamps start over, so start over with a new MediaSource.
      this.rebuild(msg.mimeType);
      this.onState(msg.discontinuity ? 'restarted' : 'buffering', `${msg.width ?? '?'}x${msg.height ?? '?'}`);
    } else if (msg.type === 'status') {
      if (msg.state !== 'live') this.onState(msg.state, msg.reason);
    } else if (msg.type === 'error') {
      this.onState('error', msg.message);
      // The server dropped the subscription (too slow, key gone, lease lost): try again, with capped
      // backoff, without touching the other tiles.
      const { socket, key } = this;
      if (socket && this.id) {
        socket.forget(this.id);
        this.id = 0;
        const delay = Math.min(1000 * 2 ** this.retries++, 30000);
        this.retryTimer = setTimeout(() => this.play(socket, key), delay);
      }
    }
  }

  onInit(bytes) {
    this.enqueue(bytes, null);
  }

  onFragment(bytes, _keyframe, receivedAt) {
    if (!this.ms) return; // before the JSON init (cannot happen in order) or after a teardown
    this.enqueue(bytes, receivedAt ?? null);
  }

  rebuild(mimeType) {
    this.teardown();
    this.mimeType = mimeType;
    const MS = mediaSourceClass();
    const ms = new MS();
    this.ms = ms;
    const managed =
      typeof window.ManagedMediaSource === 'function' && ms instanceof window.ManagedMediaSource;
    if (managed) {
      // Safari plays a ManagedMediaSource only with AirPlay off (or an AirPlay alternative source,
      // which a live WebSocket stream has none of).
      this.video.disableRemotePlayback = true;
      // Safari says when it wants data (startstreaming) and when it has enough (endstreaming). A
      // live stream cannot pause its source without falling behind live, so appends go on either
      // way; the hint is kept for the tile (and trimming keeps the buffer small, which is what
      // Safari asks for).
      this.streaming = false;
      ms.addEventListener('startstreaming', () => (this.streaming = true));
      ms.addEventListener('endstreaming', () => (this.streaming = false));
    }
    this.objectUrl = URL.createObjectURL(ms);
    ms.addEventListener(
      'sourceopen',
      () => {
        if (this.ms !== ms) return;
        const sb = ms.addSourceBuffer(mimeType);
        sb.mode = 'segments';
        sb.addEventListener('updateend', () => {
          if (this.sb !== sb) return; // torn down: this SourceBuffer left its MediaSource
          const done = this.appending;
          this.appending = null;
          const end = sb.buffered.length > 0 ? sb.buffered.end(sb.buffered.length - 1) : 0;
          if (done && done.receivedAt !== null && end > this.lastEnd) {
            // How far one append moves the buffered end: the newest fragment's duration (a frame).
            if (end - this.lastEnd < 1) this.fragS = end - this.lastEnd;
            if (this.steady) this.noteArrival(done.at / 1000 - end);
          }
          this.lastEnd = end;
          if (done && done.receivedAt !== null && sb.buffered.length > 0) {
            this.received.push({
              end,
              receivedAt: done.receivedAt,
              at: done.at,
              appendedAt: Date.now(),
            });
            if (this.received.length > RECEIVED_KEEP) this.received.shift();
          }
          this.pump();
        });
        sb.addEventListener('error', () => this.onState('error', 'SourceBuffer error'));
        this.sb = sb;
        this.pump();
      },
      { once: true },
    );
    this.video.src = this.objectUrl;
    // Between appends too: the lag grows while no fragment arrives.
    this.followTimer = setInterval(() => {
      if (this.sb && !this.sb.updating && this.ms && this.ms.readyState === 'open') this.followLiveEdge();
    }, FOLLOW_EVERY_MS);
  }

  teardown() {
    clearInterval(this.followTimer);
    this.followTimer = 0;
    this.started = false;
    this.lags = [];
    this.queue = [];
    this.appending = null;
    this.received = [];
    this.lastEnd = 0;
    this.fragS = 0;
    this.arrivals = [];
    this.steady = false;
    this.sb = null;
    if (this.ms) {
      this.ms = null;
      this.video.removeAttribute('src');
      this.video.load();
      URL.revokeObjectURL(this.objectUrl);
    }
  }

  enqueue(bytes, receivedAt) {
    // Copy: the WebSocket's ArrayBuffer is ours, but appendBuffer wants a stable view per append.
    this.queue.push({ bytes: bytes.slice(), receivedAt, at: Date.now() });
    this.pump();
  }

  pump() {
    const sb = this.sb;
    if (!sb || sb.updating || !this.ms || this.ms.readyState !== 'open') return;
    this.followLiveEdge();
    if (this.trim(sb)) return;
    const next = this.queue.shift();
    if (!next) return;
    try {
      this.appending = next;
      sb.appendBuffer(next.bytes);
    } catch (err) {
      // QuotaExceeded or a decode error: start this tile over rather than wedge it.
      this.onState('error', `append failed: ${err && err.message}; restarting`);
      const { socket, key } = this;
      if (socket) this.play(socket, key);
    }
  }

  /**
   * Keeps a live stream live (see LIVE_EDGE_DEFAULTS): the first media, a gap, a restart or a lag
   * over jumpS → seek to edge before the newest frame; otherwise playbackRate steers the lag into
   * [lo, hi].
   */
  followLiveEdge() {
    const v = this.video;
    const b = v.buffered;
    if (b.length === 0 || v.seeking) return;
    const o = this.options;
    const start = b.start(b.length - 1);
    const end = b.end(b.length - 1);
    const t = v.currentTime;
    const edge = o.edgeS + this.extraS;
    if (!this.started || t < start || t > end || end - t > o.jumpS + this.extraS) {
      // edge before the newest frame's start, not before the buffered end (which includes that
      // frame's duration): the margin when the next frame lands is then about edge, wherever
      // between two appends the jump happens.
      v.currentTime = Math.max(start, end - this.fragS - edge);
      if (this.started) this.stats.jumps++;
      this.started = true;
      this.lags = [];
      this.setRate(1);
    } else {
      const now = performance.now();
      if (this.extraS > 0 && now - this.lastStallAt > o.decayEveryS * 1000) {
        this.extraS = Math.max(0, this.extraS - o.stallDecreaseS);
        this.lastStallAt = now;
      }
      this.lags.push([now, end - t]);
      while (this.lags.length && this.lags[0][0] < now - 1000) this.lags.shift();
      let minLag = Infinity;
      for (const [, lag] of this.lags) minLag = Math.min(minLag, lag);
      const extra = this.extraS + this.jitterS();
      if (minLag <= o.hiS + extra) this.steady = true;
      if (minLag > o.hiS + extra) this.setRate(o.rate);
      else if (minLag < o.loS + extra) this.setRate(1);
    }
    if (v.paused) {
      v.play().then(
        () => {
          this.retries = 0;
          this.onState('playing', this.key);
        },
        () => {},
      );
    }
  }

  noteArrival(offsetS) {
    const now = performance.now();
    this.arrivals.push([now, offsetS]);
    while (this.arrivals.length && this.arrivals[0][0] < now - this.options.jitterWindowS * 1000)
      this.arrivals.shift();
  }

  /**
   * How much later than the last second's latest fragment one arrived within jitterWindowS (s): the
   * margin the last second's lags do not show. Kept on top of the targets, so catching up never
   * goes below the lag at which that fragment would have run the buffer dry.
   */
  jitterS() {
    const now = performance.now();
    let all = -Infinity;
    let recent = -Infinity;
    for (const [at, offset] of this.arrivals) {
      all = Math.max(all, offset);
      if (at >= now - 1000) recent = Math.max(recent, offset);
    }
    if (all === -Infinity || recent === -Infinity) return 0;
    return Math.min(this.options.maxEdgeS, all - recent);
  }

  setRate(rate) {
    if (this.video.playbackRate === rate) return;
    this.video.playbackRate = rate;
    this.stats.rateChanges++;
  }

  /** Removes media far behind the playhead, at most every few seconds. True if a remove started. */
  trim(sb) {
    const now = performance.now();
    if (now - this.lastTrim < 5000) return false;
    this.lastTrim = now;
    const b = sb.buffered;
    const cut = this.video.currentTime - KEEP_BEHIND_S;
    if (b.length === 0 || b.start(0) >= cut) return false;
    sb.remove(0, cut);
    return true;
  }
}
