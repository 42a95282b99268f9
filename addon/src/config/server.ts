/** The `server:` section. data_dir is resolved against the config file's folder, not the cwd. */
import { isAbsolute, resolve } from 'node:path';
import type { ServerSettings } from '../contracts/config.js';
import { BUILT_IN_DATA_DIR, BUILT_IN_LABEL, BUILT_IN_SERVER } from './built-in.js';
import { isString, ok, type Checker, type RawMap } from './check.js';
import { isOneOf, LOG_LEVELS } from './enums.js';
import { child } from './errors.js';
import { ProvenanceLog } from './provenance.js';

const isListenPort = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535;

export function resolveServer(
  root: RawMap,
  baseDir: string,
  ck: Checker,
): { server: ServerSettings; provenance: ProvenanceLog } {
  const prov = new ProvenanceLog();
  const block = ck.map(root, 'server', '');
  const s = ok(block) ? block : undefined;
  const base = '/server';
  const get = <T>(key: string, path: string, guard: (v: unknown) => v is T, dflt: T): T => {
    const v = ck.read(s, key, base, guard);
    if (ok(v)) prov.add(path, v, 'global', child(base, key));
    else prov.add(path, dflt, 'built-in', BUILT_IN_LABEL);
    return ok(v) ? v : dflt;
  };
  const host = get('host', 'server.host', isString, BUILT_IN_SERVER.host);
  const port = get('port', 'server.port', isListenPort, BUILT_IN_SERVER.port);
  const logLevel = get('log_level', 'server.logLevel', isOneOf(LOG_LEVELS), BUILT_IN_SERVER.logLevel);
  const declared = ck.read(s, 'data_dir', base, isString);
  const dir = ok(declared) ? declared : BUILT_IN_DATA_DIR;
  const dataDir = isAbsolute(dir) ? dir : resolve(baseDir, dir);
  if (ok(declared)) prov.add('server.dataDir', dataDir, 'global', child(base, 'data_dir'));
  else
    prov.add(
      'server.dataDir',
      dataDir,
      'built-in',
      `${BUILT_IN_LABEL} (${BUILT_IN_DATA_DIR} beside the config file)`,
    );
  return { server: { host, port, dataDir, logLevel }, provenance: prov };
}
