/**
 * Config problems. Every check in this folder reports into one list instead of throwing, so a user
 * fixing a file sees every problem at once (FIELD-NOTES #13: never half-start, never make the user
 * play whack-a-mole). A problem is located by a JSON pointer into the file, e.g.
 * `/cameras/1/profiles/sub/mode`, plus the YAML line when the config came from a file.
 */
import { SecretRedactor } from '../lib/redact.js';

export interface ConfigIssue {
  /** JSON pointer into the config file (RFC 6901); '' is the whole file. */
  path: string;
  message: string;
  /** 1-based line in the YAML file, when known. */
  line?: number;
}

/** Thrown by `loadConfigOrThrow` for callers that prefer exceptions; carries the full list. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[], file?: string) {
    super(
      `invalid config${file ? ` ${file}` : ''} (${issues.length} ${plural(issues.length, 'problem')}):\n${formatIssues(issues, file)}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

/** A value-type parser's complaint; callers attach the JSON pointer when they catch it. */
export class ValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

/** Builds a JSON pointer from segments, escaping `~` and `/` as RFC 6901 requires. */
export function pointer(...segments: (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

/** Appends segments to an existing pointer. */
export function child(base: string, ...segments: (string | number)[]): string {
  return base + pointer(...segments);
}

export function pointerSegments(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** One problem per line: `file:line: path: message` (the file:line prefix lets editors jump to it). */
export function formatIssue(issue: ConfigIssue, file?: string): string {
  const where = file
    ? `${file}${issue.line ? `:${issue.line}` : ''}: `
    : issue.line
      ? `line ${issue.line}: `
      : '';
  return `${where}${issue.path || '/'}: ${issue.message}`;
}

export function formatIssues(issues: readonly ConfigIssue[], file?: string): string {
  return issues.map((i) => formatIssue(i, file)).join('\n');
}

/** Orders by line when known, else by pointer with numeric array indexes (so /cameras/2 < /cameras/10). */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => {
    if (a.line !== undefined && b.line !== undefined && a.line !== b.line) return a.line - b.line;
    return comparePointers(a.path, b.path);
  });
}

function comparePointers(a: string, b: string): number {
  const sa = pointerSegments(a);
  const sb = pointerSegments(b);
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const x = sa[i] as string;
    const y = sb[i] as string;
    if (x === y) continue;
    const nx = Number(x);
    const ny = Number(y);
    if (Number.isInteger(nx) && Number.isInteger(ny)) return nx - ny;
    return x < y ? -1 : 1;
  }
  return sa.length - sb.length;
}

/**
 * Shorter secrets are not masked by the backstop below: masking every "s" of a one-letter password
 * would make the text unreadable, and messages and provenance never quote secrets in the first place.
 */
export const MIN_REDACT_LENGTH = 4;

/**
 * Replaces every secret value in a text with `***`. A backstop: messages are written not to quote
 * secrets, but a secret can end up anywhere (e.g. `transport: !secret x` quoted by an enum error).
 * Longest first, so a secret containing another is hidden whole.
 */
export function redact(text: string, secrets: Iterable<string>): string {
  const r = new SecretRedactor(MIN_REDACT_LENGTH);
  r.setSecrets(secrets);
  return r.redact(text);
}

/**
 * Any parsed value as text. Not String(v): a YAML/JSON mapping with a `toString` key (or none of
 * Object's methods) makes String() throw, and a problem report must never crash the loader.
 */
function describe(value: unknown): string {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return Array.isArray(value) ? 'a list' : 'a mapping';
  }
}

export function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}

/** Quotes a user value for a message, shortened so a pasted blob does not flood the terminal. */
export function quote(value: unknown): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : describe(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
