/**
 * The bench page for bench:live: hls.js, the timestamp decoder (addon/src/demo/timestamp-code.ts
 * bundled by esbuild into the global `LookoutTs`) and page.js, inlined into one HTML document that
 * Playwright serves on Lookout's own origin (route interception), so media and WebSocket requests are
 * same-origin.
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

export async function buildBenchPage(): Promise<BenchPage> {
  const decoderPath = fileURLToPath(new URL('../../../addon/src/demo/timestamp-code.ts', import.meta.url));
  const bundled = await build({
    entryPoints: [decoderPath],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'LookoutTs',
    platform: 'browser',
    target: 'chrome110',
    logLevel: 'silent',
  });
  // esbuild keeps a service child process for later builds; we need none.
  await stop();
  const decoder = bundled.outputFiles[0]?.text;
  if (!decoder) throw new Error('esbuild produced no decoder bundle');
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
${inline(pageJs)}
</body></html>`;
  return { html, hlsVersion: hlsPkg.version };
}
