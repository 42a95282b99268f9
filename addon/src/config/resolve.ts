/**
 * From a raw config object (parsed YAML, or built in memory by the demo and tests) to a
 * ResolvedConfig, as separate steps: substitute ${ENV} and !secret, validate the structure against
 * the schema, then one semantic pass (cascade, URLs, cross-field rules). All three report into one
 * list; nothing is returned unless the list is empty.
 */
import type { ResolvedCamera, ResolvedConfig, Vendor } from '../contracts/config.js';
import { resolveCamera } from './camera.js';
import { Checker, isString, ok } from './check.js';
import { child, redact, sortIssues, ValueError, type ConfigIssue } from './errors.js';
import { readLayer, type Layer } from './layers.js';
import type { ConfigProvenance } from './provenance.js';
import { validateSchema } from './schema.js';
import {
  collectSecrets,
  expandEnv,
  isPlainObject,
  readSecretsFile,
  resolveSecretRefs,
  secretsFilePath,
  withEncodedForms,
  type Env,
  type SecretSource,
} from './secrets.js';
import { resolveMqtt } from './mqtt.js';
import { resolveRecording } from './recording.js';
import { resolveServer } from './server.js';
import { checkSrtPorts, resolveSrtla } from './srtla.js';

export interface ResolveOptions {
  /** Folder that relative paths (secrets_file, data_dir) are relative to. Default: process.cwd(). */
  baseDir?: string;
  /** Source of ${NAME}. Default: process.env. */
  env?: Env;
  /** In-memory secrets for `!secret name`, used instead of secrets_file (demo, tests). */
  secrets?: Readonly<Record<string, string>>;
}

export interface LoadedConfig {
  config: ResolvedConfig;
  provenance: ConfigProvenance;
}

/** Never throws for a bad config: `ok: false` carries every problem, sorted, secrets masked. */
export type ConfigResult = ({ ok: true } & LoadedConfig) | { ok: false; errors: ConfigIssue[] };

/** What resolve produces before issues are located (lines), sorted and redacted by the caller. */
export interface RawResolution {
  issues: ConfigIssue[];
  loaded: LoadedConfig | undefined;
  /** Every secret value met, even in a failed resolution: used to mask messages. */
  secrets: string[];
}

export function resolveConfig(raw: unknown, opts: ResolveOptions = {}): ConfigResult {
  return finish(resolveRaw(raw, opts));
}

export function finish(r: RawResolution): ConfigResult {
  if (r.loaded && r.issues.length === 0) return { ok: true, ...r.loaded };
  const errors = sortIssues(r.issues).map((i) => ({ ...i, message: redact(i.message, r.secrets) }));
  return { ok: false, errors };
}

export function resolveRaw(raw: unknown, opts: ResolveOptions): RawResolution {
  const baseDir = opts.baseDir ?? process.cwd();
  const env = opts.env ?? process.env;
  if (raw === null || raw === undefined) {
    return {
      issues: [{ path: '', message: 'the config is empty; it needs at least cameras: []' }],
      loaded: undefined,
      secrets: [],
    };
  }
  if (!isPlainObject(raw)) {
    return {
      issues: [{ path: '', message: 'the config must be a map (key: value) at the top level' }],
      loaded: undefined,
      secrets: [],
    };
  }
  const shapeIssue = treeShapeIssue(raw);
  if (shapeIssue) return { issues: [shapeIssue], loaded: undefined, secrets: [] };

  // 1. Substitution. Problems here are located at the value that asked for the substitution.
  const subIssues: ConfigIssue[] = [];
  const expanded = expandEnv(raw, '', env, subIssues) as Record<string, unknown>;
  const found = new Set<string>();
  const source = secretSource(expanded, baseDir, opts, subIssues);
  const tree = resolveSecretRefs(expanded, '', source, subIssues, found) as Record<string, unknown>;
  collectSecrets(tree, found);
  const secrets = withEncodedForms(found);

  // 2. Structure. A value that failed substitution is not judged again by the schema.
  const subPaths = new Set(subIssues.map((i) => i.path));
  const schemaIssues = validateSchema(tree).filter((i) => !subPaths.has(i.path));

  // 3. Meaning: runs even when 2 failed, skipping whatever the schema already flagged.
  const ck = new Checker(new Set([...subPaths, ...schemaIssues.map((i) => i.path)]));
  const loaded = resolveTree(tree, baseDir, env, ck);
  loaded.config.secrets = secrets;

  return { issues: [...subIssues, ...schemaIssues, ...ck.issues], loaded, secrets };
}

/** Deeper than any real config; every later pass recurses, so a bound keeps them off the stack limit. */
const MAX_DEPTH = 64;

/**
 * A config must be a tree: a YAML alias inside the collection it names (`a: &x [*x]`) makes a cycle
 * every later pass would follow forever (it overflowed the stack), and absurd nesting does the same.
 */
function treeShapeIssue(raw: unknown): ConfigIssue | null {
  const ancestors = new Set<unknown>();
  const walk = (v: unknown, path: string, depth: number): ConfigIssue | null => {
    if (typeof v !== 'object' || v === null) return null;
    if (ancestors.has(v))
      return {
        path,
        message: 'refers to a collection that contains it (a recursive YAML alias); write it out',
      };
    if (depth > MAX_DEPTH) return { path, message: `nested more than ${MAX_DEPTH} levels deep` };
    ancestors.add(v);
    const entries: Array<[string | number, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v as Record<string, unknown>);
    for (const [k, x] of entries) {
      const found = walk(x, child(path, k), depth + 1);
      if (found) return found;
    }
    ancestors.delete(v);
    return null;
  };
  return walk(raw, '', 0);
}

function secretSource(
  root: Record<string, unknown>,
  baseDir: string,
  opts: ResolveOptions,
  issues: ConfigIssue[],
): SecretSource {
  if (opts.secrets) return { kind: 'map', values: opts.secrets, label: 'the in-memory secrets' };
  const declared = root['secrets_file'];
  if (declared === undefined) return { kind: 'none' };
  if (!isString(declared) || declared === '') return { kind: 'unreadable' }; // the schema reports the type
  try {
    return {
      kind: 'map',
      values: readSecretsFile(secretsFilePath(declared, baseDir)),
      label: `secrets file ${declared}`,
    };
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    issues.push({ path: '/secrets_file', message: err.message });
    return { kind: 'unreadable' };
  }
}

function resolveTree(root: Record<string, unknown>, baseDir: string, env: Env, ck: Checker): LoadedConfig {
  const { server, provenance: serverProv } = resolveServer(root, baseDir, env, ck);

  const defaults = ck.map(root, 'defaults', '');
  const global = readLayer(ok(defaults) ? defaults : undefined, '/defaults', 'global', ck);
  const vendors: Partial<Record<Vendor, Layer>> = {};
  const vblock = ck.map(root, 'vendors', '');
  if (ok(vblock)) {
    for (const [v, block] of Object.entries(vblock)) {
      if (isPlainObject(block)) vendors[v as Vendor] = readLayer(block, child('/vendors', v), 'vendor', ck);
    }
  }

  const cameras: ResolvedCamera[] = [];
  const provenance: ConfigProvenance = { server: serverProv.entries, cameras: {} };
  const firstIndex = new Map<string, number>();
  const list = Array.isArray(root['cameras']) ? (root['cameras'] as unknown[]) : [];
  list.forEach((raw, i) => {
    const r = resolveCamera(raw, i, { global, vendors }, ck);
    if (!r) return;
    const id = r.camera.id;
    const first = firstIndex.get(id);
    if (first !== undefined) {
      ck.add(
        child('/cameras', i, 'id'),
        `duplicate camera id "${id}" (also at ${child('/cameras', first, 'id')})`,
      );
      return;
    }
    firstIndex.set(id, i);
    cameras.push(r.camera);
    provenance.cameras[id] = r.provenance.entries;
  });

  const recording = resolveRecording(root, list, server.dataDir, baseDir, ck);
  const mqtt = resolveMqtt(root, ck);
  const srtla = resolveSrtla(root, ck);
  checkSrtPorts(cameras, srtla, ck);
  return { config: { server, mqtt, cameras, recording, srtla, secrets: [] }, provenance };
}
