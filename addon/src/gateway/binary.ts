/**
 * Where the MediaMTX binary is: `LOOKOUT_MEDIAMTX` (a path; `off` disables the gateway), else the
 * version-keyed cache that scripts/build-mediamtx.sh fills, else /usr/local/bin/mediamtx (the add-on
 * image). Absent: Lookout runs without the gateway, saying so once.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MEDIAMTX_VERSION } from './mediamtx-config.js';

export type BinaryLookup = { found: true; path: string } | { found: false; reason: string };

export function cachedBinaryPath(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(cache, 'lookout', 'mediamtx', MEDIAMTX_VERSION, 'mediamtx');
}

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function findMediamtx(env: NodeJS.ProcessEnv = process.env): BinaryLookup {
  const wanted = env.LOOKOUT_MEDIAMTX;
  if (wanted === 'off' || wanted === '0' || wanted === 'false')
    return { found: false, reason: 'LOOKOUT_MEDIAMTX=off' };
  if (wanted) {
    return executable(wanted)
      ? { found: true, path: wanted }
      : { found: false, reason: `LOOKOUT_MEDIAMTX=${wanted} is not an executable file` };
  }
  const candidates = [cachedBinaryPath(env), '/usr/local/bin/mediamtx'];
  const path = candidates.find(executable);
  if (path) return { found: true, path };
  return {
    found: false,
    reason: `no MediaMTX binary (looked in ${candidates.join(', ')}; scripts/setup.sh builds it, or set LOOKOUT_MEDIAMTX)`,
  };
}
