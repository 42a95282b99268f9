/**
 * Chromium's own media log for a bench page (the DevTools `Media` domain, what chrome://media-internals
 * shows): which video decoder each player got and whether Chromium's video renderer runs in its
 * low-delay mode. Low delay (video_renderer_impl.cc: one decoded frame is enough to play, no frame
 * threading in the FFmpeg decoder) is what a live MSE stream wants; Chromium picks it when the init
 * segment declares no duration (mp4_stream_parser.cc: no mehd and an mvhd duration of 0 → kLive),
 * so a change in FFmpeg's init segment would show here as a latency step.
 */
import type { Page } from 'playwright-core';

export interface MediaLogSummary {
  /** Players Chromium created on the page. */
  players: number;
  /** Players whose video renderer logged "Video rendering in low delay mode." */
  lowDelay: number;
  /** Video decoder names seen (e.g. FFmpegVideoDecoder). */
  decoders: string[];
  /** Chromium's underflow reasons (DEMUXER_UNDERFLOW: no media left; DECODER_UNDERFLOW: decode late) and counts. */
  underflows: Record<string, number>;
}

/** Starts collecting; `summary()` says what was logged so far. */
export async function watchMediaLog(page: Page): Promise<{ summary(): MediaLogSummary }> {
  const players = new Set<string>();
  const lowDelay = new Set<string>();
  const decoders = new Set<string>();
  const underflows: Record<string, number> = {};
  const underflow = (text: string) => {
    for (const m of text.matchAll(/[A-Z_]*UNDERFLOW[A-Z_]*/g)) underflows[m[0]] = (underflows[m[0]] ?? 0) + 1;
  };
  const cdp = await page.context().newCDPSession(page);
  // The Media domain's events are not in Playwright's protocol typings: read them from 'event'.
  cdp.on('event', ({ method, params }) => {
    const e = params as {
      playerId?: string;
      players?: Array<string | { playerId: string }>;
      messages?: Array<{ message: string }>;
      properties?: Array<{ name: string; value: string }>;
      events?: Array<{ value: string }>;
    };
    if (method === 'Media.playersCreated')
      for (const p of e.players ?? []) players.add(typeof p === 'string' ? p : p.playerId);
    if (!e.playerId) return;
    players.add(e.playerId);
    if (method === 'Media.playerMessagesLogged')
      for (const m of e.messages ?? []) if (/low delay mode/i.test(m.message)) lowDelay.add(e.playerId);
    if (method === 'Media.playerPropertiesChanged')
      for (const p of e.properties ?? []) {
        if (p.name === 'kVideoDecoderName') decoders.add(p.value);
        if (/buffering/i.test(p.name)) underflow(String(p.value));
      }
    if (method === 'Media.playerEventsAdded') for (const ev of e.events ?? []) underflow(String(ev.value));
  });
  await cdp.send('Media.enable');
  return {
    summary: () => ({
      players: players.size,
      lowDelay: lowDelay.size,
      decoders: [...decoders],
      underflows: { ...underflows },
    }),
  };
}
