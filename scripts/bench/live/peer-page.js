// Browser side of `npm run bench:peers`, loaded after page.js on a page whose origin is go2rtc's own
// API listener (the page is go2rtc's document with our content written in, as page.ts does for
// Lookout): go2rtc's own player, its <video-stream> element from /video-stream.js as go2rtc serves it
// (video-rtc.js inside), metered exactly like our players (page.js meter: every presented frame's
// burned-in capture time).
//   bench.playGo2rtc(wsUrl, mode) -> player id; mode 'mse' or 'webrtc' (VideoRTC's own mode string)
(() => {
  'use strict';
  const { newRecord, meter, players } = window.bench.internals;
  let loaded = null;

  async function playGo2rtc(wsUrl, mode) {
    loaded ??= import('/video-stream.js');
    await loaded;
    const el = document.createElement('video-stream');
    el.mode = mode;
    document.body.appendChild(el); // connectedCallback creates el.video
    el.src = wsUrl;
    const video = el.video;
    video.muted = true;
    const rec = newRecord(`go2rtc-${mode}`, wsUrl, video);
    meter(rec);
    rec.stop = () => {
      el.ondisconnect(); // at once, not after VideoRTC's DISCONNECT_TIMEOUT
      el.remove();
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

  window.bench.playGo2rtc = playGo2rtc;
})();
