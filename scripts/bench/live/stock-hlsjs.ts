/**
 * bench:live's LL-HLS rows as users get them: the product's playlist as served, played by
 *   - stock hls.js (its default config plus `lowLatencyMode: true`, nothing else), and
 *   - the panel's LL-HLS tile player (panel/src/players/hls-player.ts, bundled as the panel ships it),
 * each over HTTP/1.1 and over the HTTP/2 (TLS) listener, one player at a time on one warm key.
 *
 * Each row also gets the timeline of its frames (ms after the frame's burned-in capture stamp, each
 * stage the sum of the steps' medians over the window): Lookout received the fragment from FFmpeg, the part was complete, the
 * player had a playlist listing it, had the part's first byte / all of it, appended it, presented the
 * frame. Server side the hub's fragment events are recorded in this process; player side hls.js's
 * own load / buffer stats (performance clock → epoch ms); both clocks are this machine's.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { streamKey } from '../../../addon/src/contracts/stream-key.js';
import type { Fragment } from '../../../addon/src/hub/index.js';
import type { Lookout } from '../../../addon/src/main.js';

const require = createRequire(import.meta.url);

/** The camera the rows play (live.ts adds it to the bench's cameras). */
export const HLS_ROWS_CAMERA = 'hlsrows';

/** Stock hls.js: its defaults plus low-latency mode, as the issue asks to measure. */
export const STOCK_HLS_CONFIG = { lowLatencyMode: true } as const;

export type HlsPlayerKind = 'stock' | 'panel';

export interface HlsRowOptions {
  seconds: number;
  settleS: number;
  profile: 'main' | 'sub';
  /** Which rows (default: stock and panel, each over h1 and h2). */
  players?: HlsPlayerKind[];
}

interface Stats {
  n: number;
  p50: number | null;
  p95: number | null;
  min: number | null;
  max: number | null;
}

/** Timeline stage medians, ms after capture. */
export interface Timeline {
  frames: number;
  lookoutReceived: number | null;
  partComplete: number | null;
  playlistListed: number | null;
  partFirstByte: number | null;
  partLoaded: number | null;
  appended: number | null;
  presented: number | null;
  /** Presented minus the program date time of the frame (the "since Lookout received it" age). */
  sincePdt: number | null;
}

/** Start-up: epoch ms of the first media playlist and the first 'playing'; hls.js latency then and 1 s on (s). */
export interface Startup {
  levelAt: number | null;
  playingAt: number | null;
  latencyAtPlaying: number | null;
  latency1s: number | null;
}

export interface HlsRow {
  label: string;
  player: HlsPlayerKind;
  transport: 'HTTP/1.1' | 'HTTP/2';
  config: string;
  latency: Stats;
  frames: number;
  undecoded: number;
  waiting: number;
  stalls: number;
  hlsLatencyS: number | null;
  hlsTargetLatencyS: number | null;
  partHoldBackS: number | null;
  startup: Startup;
  errors: string[];
  timeline: Timeline;
}

interface PageInfo {
  frames: Array<[number, number, number]>;
  undecoded: number;
  waiting: number;
  stalls: number;
  startup: Startup;
  errors: string[];
  media: Array<
    [
      string,
      {
        start: number;
        duration: number;
        loadStart: number | null;
        firstByte: number | null;
        loaded: number | null;
        appended: number | null;
      },
    ]
  >;
  listed: Array<[string, number]>;
  hlsLatencyS: number | null;
  hlsTargetLatencyS: number | null;
  partHoldBackS: number | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function pct(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? null;
}

function stats(xs: number[]): Stats {
  if (xs.length === 0) return { n: 0, p50: null, p95: null, min: null, max: null };
  return { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), min: Math.min(...xs), max: Math.max(...xs) };
}

/** hls.min.js (stock), the timestamp decoder and the panel's tile player, inlined into one page. */
export async function buildHlsRowsPage(): Promise<{ html: string; hlsVersion: string }> {
  const iife = async (path: string, globalName: string): Promise<string> => {
    const out = await build({
      entryPoints: [fileURLToPath(new URL(path, import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      globalName,
      platform: 'browser',
      target: 'chrome110',
      logLevel: 'silent',
    });
    const text = out.outputFiles[0]?.text;
    if (!text) throw new Error(`esbuild produced no bundle for ${path}`);
    return text;
  };
  let decoder: string;
  let panelPlayer: string;
  try {
    decoder = await iife('../../../addon/src/demo/timestamp-code.ts', 'LookoutTs');
    panelPlayer = await iife('../../../panel/src/players/hls-player.ts', 'LookoutHlsTile');
  } finally {
    await stop();
  }
  const hlsJs = readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
  const { version } = JSON.parse(readFileSync(require.resolve('hls.js/package.json'), 'utf8')) as {
    version: string;
  };
  const pageJs = readFileSync(fileURLToPath(new URL('./hls-page.js', import.meta.url)), 'utf8');
  const inline = (js: string) => `<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>bench:live LL-HLS</title></head><body>
${inline(hlsJs)}
${inline(decoder)}
${inline(panelPlayer)}
${inline(pageJs)}
</body></html>`;
  return { html, hlsVersion: version };
}

/** Fragments the hub received for the key, by seq (bounded: the last few thousand). */
function recordFragments(app: Lookout, camera: string, profile: 'main' | 'sub') {
  const hub = app.supervisor.hub(streamKey(camera, profile));
  const bySeq = new Map<number, Fragment>();
  const on = (f: Fragment) => {
    bySeq.set(f.seq, f);
    if (bySeq.size > 5000) bySeq.delete(bySeq.keys().next().value!);
  };
  hub.on('fragment', on);
  return { bySeq, off: () => hub.off('fragment', on) };
}

const median = (xs: Array<number | null>): number | null =>
  pct(
    xs.filter((x): x is number => x !== null && Number.isFinite(x)),
    50,
  );

/** Per presented frame: its part (by media time), that part's fragments on the server, the stages. */
function timeline(info: PageInfo, fragments: Map<number, Fragment>): Timeline {
  const parts = info.media
    .filter(([uri]) => uri.startsWith('part-'))
    .map(([uri, e]) => ({ seq: Number(/^part-(\d+)\.mp4$/.exec(uri)?.[1]), uri, ...e }))
    .filter((p) => Number.isFinite(p.seq))
    .sort((a, b) => a.start - b.start);
  const listed = new Map(info.listed);
  const rows: Array<Record<keyof Omit<Timeline, 'frames'>, number | null>> = [];
  for (const [presentedAt, captureMs, mediaTime] of info.frames) {
    const p = parts.find((x) => mediaTime >= x.start - 1e-3 && mediaTime < x.start + x.duration - 1e-3);
    if (!p) continue;
    // The part's fragments: from its first, as long as their durations fit its duration.
    const frags: Fragment[] = [];
    let sum = 0;
    for (let s = p.seq; fragments.has(s) && sum < p.duration - 1e-3; s++) {
      frags.push(fragments.get(s)!);
      sum += fragments.get(s)!.durationS;
    }
    if (frags.length === 0) continue;
    let off = mediaTime - p.start;
    let frag = frags[0]!;
    for (const f of frags) {
      frag = f;
      if (off < f.durationS - 1e-3) break;
      off -= f.durationS;
    }
    const rel = (t: number | null | undefined) => (t === null || t === undefined ? null : t - captureMs);
    rows.push({
      lookoutReceived: rel(frag.arrivedAt),
      partComplete: rel(frags.at(-1)!.arrivedAt),
      playlistListed: rel(listed.get(p.uri)),
      partFirstByte: rel(p.firstByte),
      partLoaded: rel(p.loaded),
      appended: rel(p.appended),
      presented: rel(presentedAt),
      sincePdt: presentedAt - (frag.programDateTime + off * 1000),
    });
  }
  // Each stage is the median of its own step (from the stage before), summed up: per-column medians
  // of "ms after capture" are not monotonic once parts hold several frames (a part's first frame
  // waits a frame longer for it than its last one, and each column's median may fall on either).
  const stages = [
    'lookoutReceived',
    'partComplete',
    'playlistListed',
    'partFirstByte',
    'partLoaded',
    'appended',
    'presented',
  ] as const;
  const out: Omit<Timeline, 'frames'> = {
    lookoutReceived: null,
    partComplete: null,
    playlistListed: null,
    partFirstByte: null,
    partLoaded: null,
    appended: null,
    presented: null,
    sincePdt: median(rows.map((r) => r.sincePdt)),
  };
  let at: number | null = 0;
  stages.forEach((k, i) => {
    const prev = i === 0 ? null : stages[i - 1]!;
    const step = median(
      rows.map((r) => (r[k] === null || (prev && r[prev] === null) ? null : r[k]! - (prev ? r[prev]! : 0))),
    );
    at = at === null || step === null ? null : at + step;
    out[k] = at;
  });
  return { frames: rows.length, ...out };
}

async function openPage(browser: Browser, base: string, html: string): Promise<Page> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 720 },
  });
  const page = await context.newPage();
  // A document from Lookout's own origin first (Chromium's Local Network Access checks), then ours.
  await page.goto(`${base}/api/health`);
  await page.setContent(html);
  await page.waitForFunction('window.hlsBench && window.hlsBench.ready === true', undefined, {
    timeout: 10_000,
  });
  return page;
}

/** The LL-HLS rows, one player at a time on `HLS_ROWS_CAMERA` (kept live by a lease meanwhile). */
export async function hlsRows(
  app: Lookout,
  browser: Browser,
  html: string,
  o: HlsRowOptions,
): Promise<HlsRow[]> {
  const key = streamKey(HLS_ROWS_CAMERA, o.profile);
  const sup = app.supervisor;
  const lease = sup.acquireLease(key, { kind: 'viewer', holder: 'bench:live LL-HLS rows' }).lease.id;
  const rec = recordFragments(app, HLS_ROWS_CAMERA, o.profile);
  const rows: HlsRow[] = [];
  try {
    const t0 = Date.now();
    while (sup.status(key).state !== 'live') {
      if (Date.now() - t0 > 30_000) throw new Error(`${HLS_ROWS_CAMERA} did not go live`);
      await sleep(50);
    }
    await sleep(2000);
    const bases: Array<[HlsRow['transport'], string | null]> = [
      ['HTTP/1.1', app.url],
      ['HTTP/2', app.tlsUrl],
    ];
    for (const player of o.players ?? (['stock', 'panel'] as const)) {
      for (const [transport, base] of bases) {
        if (!base) continue;
        const page = await openPage(browser, base, html);
        const src = `/hls/${HLS_ROWS_CAMERA}/${o.profile}/index.m3u8`;
        const id = (await page.evaluate(
          player === 'stock'
            ? `window.hlsBench.playStock(${JSON.stringify(src)}, ${JSON.stringify(STOCK_HLS_CONFIG)})`
            : `window.hlsBench.playPanel(${JSON.stringify(src)})`,
        )) as number;
        await sleep(o.settleS * 1000);
        const since = Date.now();
        const before = (await page.evaluate(`window.hlsBench.info(${id}, ${since})`)) as PageInfo;
        await sleep(o.seconds * 1000);
        const info = (await page.evaluate(`window.hlsBench.info(${id}, ${since})`)) as PageInfo;
        await page.evaluate(`window.hlsBench.stop(${id})`);
        await page.context().close();
        const latency = stats(info.frames.map(([at, capture]) => (at - capture) / 1000));
        const label = `LL-HLS ${player === 'stock' ? 'stock hls.js' : 'panel tile'}, ${transport}`;
        rows.push({
          label,
          player,
          transport,
          config:
            player === 'stock'
              ? JSON.stringify(STOCK_HLS_CONFIG)
              : 'panel/src/players/hls-player.ts (lowLatencyMode, maxLiveSyncPlaybackRate 1.5, backBufferLength 5, retry policies)',
          latency,
          frames: info.frames.length,
          undecoded: info.undecoded - before.undecoded,
          waiting: info.waiting - before.waiting,
          stalls: info.stalls - before.stalls,
          hlsLatencyS: info.hlsLatencyS,
          hlsTargetLatencyS: info.hlsTargetLatencyS,
          partHoldBackS: info.partHoldBackS,
          startup: info.startup,
          errors: info.errors,
          timeline: timeline(info, rec.bySeq),
        });
        const r = rows.at(-1)!;
        console.log(
          `  ${label}: p50 ${f3(r.latency.p50)} s, p95 ${f3(r.latency.p95)} s over ${r.latency.n} frames; ` +
            `${r.waiting} waiting, ${r.stalls} stalls; hls.js latency ${f3(r.hlsLatencyS)} s, target ${f3(r.hlsTargetLatencyS)} s ` +
            `(PART-HOLD-BACK ${f3(r.partHoldBackS)}); start-up: playing ${r.startup.playingAt && r.startup.levelAt ? r.startup.playingAt - r.startup.levelAt : '—'} ms ` +
            `after the first playlist, hls.js latency ${f3(r.startup.latencyAtPlaying)} s then, ${f3(r.startup.latency1s)} s 1 s later`,
        );
      }
    }
  } finally {
    rec.off();
    try {
      sup.releaseLease(lease);
    } catch {
      /* gone */
    }
  }
  return rows;
}

const f3 = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(3));
const ms = (v: number | null) => (v === null ? '—' : String(Math.round(v)));

/** The rows' table and each row's frame timeline. */
export function printHlsRows(rows: readonly HlsRow[], hlsVersion: string): void {
  if (rows.length === 0) return;
  console.log(
    `\nLL-HLS as users get it (the playlist as served; hls.js ${hlsVersion}; stock = ${JSON.stringify(STOCK_HLS_CONFIG)})`,
  );
  const head = ['row', 'p50', 'p95', 'max', 'frames', 'waiting', 'stalls', 'hls.js target'];
  const cells = rows.map((r) => [
    r.label,
    `${f3(r.latency.p50)} s`,
    `${f3(r.latency.p95)} s`,
    `${f3(r.latency.max)} s`,
    String(r.latency.n),
    String(r.waiting),
    String(r.stalls),
    `${f3(r.hlsTargetLatencyS)} s`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)) + 2);
  console.log(head.map((h, i) => h.padEnd(w[i]!)).join(''));
  for (const c of cells) console.log(c.map((x, i) => x.padEnd(w[i]!)).join(''));
  console.log(
    "\nOne frame, capture → presented (ms after the burned-in capture stamp, each stage the sum of its steps' medians;\n" +
      '"since PDT" = presented − ' +
      "the frame's EXT-X-PROGRAM-DATE-TIME, its median, i.e. the age since Lookout received it)",
  );
  const th = [
    'row',
    'Lookout got it',
    'part complete',
    'listed',
    'first byte',
    'part loaded',
    'appended',
    'presented',
    'since PDT',
  ];
  const tc = rows.map((r) => [
    r.label,
    ms(r.timeline.lookoutReceived),
    ms(r.timeline.partComplete),
    ms(r.timeline.playlistListed),
    ms(r.timeline.partFirstByte),
    ms(r.timeline.partLoaded),
    ms(r.timeline.appended),
    ms(r.timeline.presented),
    ms(r.timeline.sincePdt),
  ]);
  const tw = th.map((h, i) => Math.max(h.length, ...tc.map((c) => c[i]!.length)) + 2);
  console.log(th.map((h, i) => h.padEnd(tw[i]!)).join(''));
  for (const c of tc) console.log(c.map((x, i) => x.padEnd(tw[i]!)).join(''));
}
