/**
 * `lookout config check` and `lookout config explain`, as functions returning the exit code and
 * the text, so they are testable without a process; main.ts prints and exits.
 */
import { explainCamera, explainConfig, formatIssues, loadConfig, type LoadOptions } from '../config/index.js';

export interface CommandResult {
  exitCode: number;
  output: string;
}

/** 0 and `ok: N cameras`, or 1 and every problem, one per line, each with its file:line and path. */
export async function configCheck(file: string, opts: LoadOptions = {}): Promise<CommandResult> {
  const r = await loadConfig(file, opts);
  if (!r.ok) return invalid(file, r.errors);
  const n = r.config.cameras.length;
  return { exitCode: 0, output: `ok: ${n} camera${n === 1 ? '' : 's'}` };
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
