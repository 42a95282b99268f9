/**
 * The embedded broker's client credentials: a random user and password generated on first start
 * and kept in `<data_dir>/mqtt/credentials.json` (file 0600, folder 0700), so Node-RED, Home
 * Assistant or mosquitto_sub configured once keep working across restarts. Where to find them is
 * in the README and addon/DOCS.md; the values themselves are never logged (the caller registers
 * the password with the redactor before anything can print it).
 *
 * Lookout's own session does not use these: it logs in with a per-process secret (broker.ts), so a
 * client holding the file's credentials still cannot pass for Lookout.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../lib/log.js';

export interface BrokerCredentials {
  username: string;
  /** SECRET */
  password: string;
}

export const credentialsFile = (dataDir: string): string => join(dataDir, 'mqtt', 'credentials.json');

/** A fresh random pair: `lookout-<8 hex>` and 32 url-safe characters (192 bits). */
export function generateCredentials(): BrokerCredentials {
  return {
    username: `lookout-${randomBytes(4).toString('hex')}`,
    password: randomBytes(24).toString('base64url'),
  };
}

/**
 * The stored pair, or a new one written there. A missing, unreadable or malformed file gets a new
 * pair (one warning, no content in it); a file or folder readable by others is tightened to
 * 0600/0700. No data dir: a pair for this run only.
 */
export function loadOrCreateCredentials(dataDir: string | undefined, log: Logger): BrokerCredentials {
  if (!dataDir) return generateCredentials();
  const file = credentialsFile(dataDir);
  const dir = join(dataDir, 'mqtt');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  tighten(dir, 0o700);
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ file, code: (err as NodeJS.ErrnoException).code }, 'MQTT credentials unreadable; new ones');
  }
  if (text !== null) {
    const stored = parse(text);
    if (stored) {
      tighten(file, 0o600);
      return stored;
    }
    log.warn({ file }, 'MQTT credentials file is malformed; writing new credentials');
  }
  const fresh = generateCredentials();
  // Written under a temporary name with 0600 from the first byte, then renamed: never a moment
  // where the file exists readable by others, never a half-written file after a crash.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
  log.info({ file }, 'generated credentials for the embedded MQTT broker');
  return fresh;
}

function parse(text: string): BrokerCredentials | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null) return null;
    const { username, password } = v as Record<string, unknown>;
    if (typeof username !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(username)) return null;
    if (typeof password !== 'string' || password.length < 16 || password.length > 256) return null;
    return { username, password };
  } catch {
    return null;
  }
}

function tighten(path: string, mode: number): void {
  if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
}
