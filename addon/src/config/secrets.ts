/**
 * `${ENV_NAME}` and `!secret name` substitution, and the list of secret values for the redactor.
 *
 * Runs before schema validation, in passes: expand ${ENV} in every string, then replace every
 * `!secret` reference from secrets_file (whose own path may use ${ENV}); secret values are never
 * expanded again, so a password containing `${` stays literal. A failed substitution is reported at
 * the path of the value that asked for it, and later schema complaints about that path are dropped.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type ScalarTag } from 'yaml';
import { child, ValueError, type ConfigIssue } from './errors.js';
import { encodeUserinfo, secretsInUrl } from './source-url.js';

/** A `!secret name` reference, as the YAML tag leaves it; in-memory configs may contain it too. */
export class SecretRef {
  constructor(readonly name: string) {}
  toString(): string {
    return `!secret ${this.name}`;
  }
}

export const secretTag: ScalarTag = {
  tag: '!secret',
  identify: (v) => v instanceof SecretRef,
  resolve: (str) => new SecretRef(str.trim()),
  stringify: (item) => String((item.value as SecretRef).name),
};

export type Env = Readonly<Record<string, string | undefined>>;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Pass 1: `${NAME}` from env everywhere; `$${` writes a literal `${`. */
export function expandEnv(value: unknown, path: string, env: Env, issues: ConfigIssue[]): unknown {
  if (typeof value === 'string') return expandString(value, path, env, issues);
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, child(path, i), env, issues));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, child(path, k), env, issues)]),
    );
  }
  return value;
}

function expandString(s: string, path: string, env: Env, issues: ConfigIssue[]): string {
  if (!s.includes('${')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (s.startsWith('$${', i)) {
      out += '${';
      i += 3;
      continue;
    }
    if (!s.startsWith('${', i)) {
      out += s[i];
      i++;
      continue;
    }
    const end = s.indexOf('}', i + 2);
    if (end < 0) {
      issues.push({ path, message: 'unterminated "${": write ${NAME}, or $${ for a literal "${"' });
      return s;
    }
    const name = s.slice(i + 2, end);
    if (!ENV_NAME.test(name)) {
      issues.push({ path, message: `invalid environment variable name "${name}" in \${...}` });
      return s;
    }
    const v = env[name];
    if (v === undefined) {
      issues.push({ path, message: `environment variable ${name} is not set` });
      return s;
    }
    out += v;
    i = end + 1;
  }
  return out;
}

/** Where `!secret` values come from: a map, or the reason there is none. */
export type SecretSource =
  | { kind: 'map'; values: Readonly<Record<string, string>>; label: string }
  | { kind: 'none' }
  | { kind: 'unreadable' };

/** Pass 2: replace every SecretRef; unknown names are reported at the referencing path. */
export function resolveSecretRefs(
  value: unknown,
  path: string,
  source: SecretSource,
  issues: ConfigIssue[],
  found: Set<string>,
): unknown {
  if (value instanceof SecretRef) {
    if (source.kind === 'map') {
      const v = source.values[value.name];
      if (v !== undefined) {
        found.add(v);
        return v;
      }
      issues.push({ path, message: `secret "${value.name}" is not in ${source.label}` });
    } else if (source.kind === 'none') {
      issues.push({ path, message: `!secret "${value.name}" is used but no secrets_file is set` });
    }
    // 'unreadable' was reported once at /secrets_file; repeating it at every use adds nothing.
    return '';
  }
  if (Array.isArray(value))
    return value.map((v, i) => resolveSecretRefs(v, child(path, i), source, issues, found));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, resolveSecretRefs(v, child(path, k), source, issues, found)]),
    );
  }
  return value;
}

/**
 * Reads a secrets file: a YAML map of name -> scalar. Parsed with the failsafe schema so every value
 * stays the exact text written (a password 0123 must not become the number 123).
 */
export function readSecretsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ValueError(
      `cannot read secrets file ${file}${code === 'ENOENT' ? ': no such file' : ` (${code ?? 'error'})`}`,
    );
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', prettyErrors: false, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const line = lineCounter.linePos(first.pos[0]).line;
    throw new ValueError(
      `secrets file ${file}${line ? ` line ${line}` : ''} is not valid YAML: ${first.message}`,
    );
  }
  if (doc.contents === null) return {};
  if (!isMap(doc.contents)) throw new ValueError(`secrets file ${file} must be a map of name: value`);
  const out: Record<string, string> = {};
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || !isScalar(pair.value)) {
      throw new ValueError(`secrets file ${file}: every entry must be name: value (a single value)`);
    }
    out[key] = String(pair.value.value ?? '');
  }
  return out;
}

export function secretsFilePath(declared: string, baseDir: string): string {
  return isAbsolute(declared) ? declared : resolve(baseDir, declared);
}

/**
 * Pass 3: every value that must be hidden from logs: `password` values anywhere, the API `token`,
 * secrets in URLs,
 * and their percent-encoded forms (that is how they appear inside sourceUrl).
 */
export function collectSecrets(value: unknown, found: Set<string>, key?: string): void {
  if (typeof value === 'string') {
    if ((key === 'password' || key === 'token' || key === 'passphrase') && value !== '') found.add(value);
    for (const s of secretsInUrl(value)) found.add(s);
  } else if (Array.isArray(value)) {
    for (const v of value) collectSecrets(v, found);
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) collectSecrets(v, found, k);
  }
}

export function withEncodedForms(secrets: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (s === '') continue;
    out.add(s);
    out.add(encodeUserinfo(s));
  }
  return [...out];
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof SecretRef);
}
