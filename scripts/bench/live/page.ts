/**
 * The bench page for bench:live: hls.js, the timestamp decoder (addon/src/demo/timestamp-code.ts
 * bundled by esbuild into the global `LookoutTs`), the product's MSE client
 * (panel/src/players/mse-client.js, bundled into the global `LookoutMse`), the panel's tile players
 * (→ `LookoutPanel`, so the default rows measure what a tile plays) and page.js, inlined into one HTML document that Playwright serves on
 * Lookout's own origin (route interception), so media and WebSocket requests are same-origin.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, stop } from 'esbuild';

const require = createRequire(import.meta.url);

export interface BenchPage {
  html: string;
  hlsVersion: string;
}

/**
 * The panel's own tile players (panel/src/players), exactly as the card builds them, as the global
 * `LookoutPanel`: the default rows measure what a user's tile plays, with the panel's settings
 * (its hls.js config, the MSE live-edge keeping, WHEP). An inline entry, so the root typecheck
 * (no DOM types) never sees panel code.
 */
async function panelPlayers(): Promise<string> {
  const bundled = await build({
    stdin: {
      contents: [
        "export { LookoutApi } from './api/client.js';",
        "export { HlsTilePlayer } from './players/hls-player.js';",
        "export { MseTilePlayer } from './players/mse-tile-player.js';",
        "export { WebRtcTilePlayer } from './players/webrtc-player.js';",
        "export { WebRtcBridgePlayer } from './players/webrtc-bridge.js';",
        "export { LiveSocket, MsePlayer, LIVE_EDGE_DEFAULTS } from './players/mse-client.js';",
      ].join('\n'),
      resolveDir: fileURLToPath(new URL('../../../panel/src/', import.meta.url)),
      loader: 'ts',
      sourcefile: 'bench-panel-players.ts',
    },
    // As panel/build.mjs: the light hls.js build the card ships.
    alias: { 'hls.js': 'hls.js/light' },
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'LookoutPanel',
    platform: 'browser',
    target: 'chrome110',
    logLevel: 'silent',
  });
  const text = bundled.outputFiles[0]?.text;
  if (!text) throw new Error('esbuild produced no bundle for the panel players');
  return text;
}

export async function buildBenchPage(): Promise<BenchPage> {
  const iife = async (path: string, globalName: string): Promise<string> => {
    const bundled = await build({
      entryPoints: [fileURLToPath(new URL(path, import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      globalName,
      platform: 'browser',
      target: 'chrome110',
      logLevel: 'silent',
    });
    const text = bundled.outputFiles[0]?.text;
    if (!text) throw new Error(`esbuild produced no bundle for ${path}`);
    return text;
  };
  let decoder: string;
  let mseClient: string;
  let panel: string;
  try {
    decoder = await iife('../../../addon/src/demo/timestamp-code.ts', 'LookoutTs');
    mseClient = await iife('../../../panel/src/players/mse-client.js', 'LookoutMse');
    panel = await panelPlayers();
  } finally {
    // esbuild keeps a service child process for later builds; we need none.
    await stop();
  }
  const hlsJs = readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
  const hlsPkg = JSON.parse(readFileSync(require.resolve('hls.js/package.json'), 'utf8')) as {
    version: string;
  };
  const pageJs = readFileSync(fileURLToPath(new URL('./page.js', import.meta.url)), 'utf8');
  // `</script` cannot appear inside an inline script; none of these contain it, but be safe.
  const inline = (js: string) => `<script>${js.replace(/<\/script/gi, '<\\/script')}</script>`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>bench:live</title></head><body>
${inline(hlsJs)}
${inline(decoder)}
${inline(mseClient)}
${inline(panel)}
${inline(pageJs)}
</body></html>`;
  return { html, hlsVersion: hlsPkg.version };
}
