/**
 * The gateway's generated users (restream reader, SRT publisher): made once, kept in
 * `<dataDir>/mediamtx/users.json` (0600) so restream URLs given to Home Assistant or Frigate keep
 * working across restarts. Delete the file to rotate them.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync, chmodSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayUsers } from './mediamtx-config.js';

// Letters and digits only: the SRT stream id separates fields with ':' and URLs need no escaping.
const token = (bytes: number) => randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');

function valid(u: unknown): u is GatewayUsers {
  const ok = (p: unknown) =>
    typeof p === 'object' &&
    p !== null &&
    typeof (p as { user?: unknown }).user === 'string' &&
    /^[A-Za-z0-9]{16,}$/.test(String((p as { pass?: unknown }).pass));
  return (
    typeof u === 'object' &&
    u !== null &&
    ok((u as GatewayUsers).restream) &&
    ok((u as GatewayUsers).publisher)
  );
}

export function loadOrCreateUsers(file: string): { users: GatewayUsers; created: boolean } {
  try {
    const users: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (valid(users)) return { users, created: false };
  } catch {
    /* absent or unreadable: make new ones */
  }
  const users: GatewayUsers = {
    restream: { user: 'lookout', pass: token(18) },
    publisher: { user: 'ingest', pass: token(18) },
  };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(users, null, 2), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return { users, created: true };
}
