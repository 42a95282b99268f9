/**
 * `lookout config check` and `lookout config explain`, as functions returning the exit code and
 * the text, so they are testable without a process; main.ts prints and exits.
 */
import { explainCamera, explainConfig, formatIssues, loadConfig, type LoadOptions } from '../config/index.js';
import type { ResolvedCamera } from '../contracts/config.js';
import { isHttpMjpegUrl } from '../sources/resolve.js';

export interface CommandResult {
  exitCode: number;
  output: string;
}

/** 0 and `ok: N cameras`, or 1 and every problem, one per line, each with its file:line and path. */
export async function configCheck(file: string, opts: LoadOptions = {}): Promise<CommandResult> {
  const r = await loadConfig(file, opts);
  if (!r.ok) return invalid(file, r.errors);
  const n = r.config.cameras.length;
  const notes = sourceNotes(r.config.cameras);
  return { exitCode: 0, output: [`ok: ${n} camera${n === 1 ? '' : 's'}`, ...notes].join('\n') };
}

/**
 * What Lookout will do with sources it can tell from the URL alone: MJPEG over HTTP plays in no
 * browser and is encoded to H.264 (a copy would be a silent `mp4v`). RTSP cameras sending MJPEG or
 * MPEG-4 Part 2 are found at run time (and by `lookout probe URL`).
 */
function sourceNotes(cameras: readonly ResolvedCamera[]): string[] {
  const out: string[] = [];
  for (const cam of cameras) {
    for (const [name, p] of Object.entries(cam.profiles)) {
      if (!p || !isHttpMjpegUrl(p.sourceUrl)) continue;
      out.push(
        `note: camera "${cam.id}" profile "${name}": ${p.displayUrl} is MJPEG over HTTP, which no browser plays: ` +
          'Lookout encodes it to H.264 (CPU cost: about a core per 1080p stream in software)',
      );
    }
  }
  return out;
}

/** Every effective value and where it came from: one camera, or the server and all cameras. */
export async function configExplain(
  file: string,
  cameraId?: string,
  opts: LoadOptions = {},
): Promise<CommandResult> {
  const r = await loadConfig(file, opts);
  if (!r.ok) return invalid(file, r.errors);
  if (cameraId === undefined) return { exitCode: 0, output: explainConfig(r) };
  try {
    return { exitCode: 0, output: explainCamera(r, cameraId) };
  } catch (err) {
    return { exitCode: 1, output: (err as Error).message };
  }
}

function invalid(file: string, errors: Parameters<typeof formatIssues>[0]): CommandResult {
  const head = `invalid config ${file}: ${errors.length} problem${errors.length === 1 ? '' : 's'}`;
  return { exitCode: 1, output: `${head}\n${formatIssues(errors, file)}` };
}
