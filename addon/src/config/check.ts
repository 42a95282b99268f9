/**
 * The semantic pass's view of the raw config. It runs even when the schema failed (so every problem
 * is reported at once), so it must never trust a value's shape: `read` returns the value when it has
 * the expected type, `undefined` when absent, and BAD when present but wrong (already reported by the
 * schema). Checks that depend on a BAD value are skipped rather than piling on follow-up errors.
 */
import { child, type ConfigIssue } from './errors.js';
import { isPlainObject } from './secrets.js';

export const BAD = Symbol('bad value');
export type Read<T> = T | undefined | typeof BAD;
export type RawMap = Record<string, unknown>;

export class Checker {
  readonly issues: ConfigIssue[] = [];
  private readonly reported = new Set<string>();

  /** `flagged`: paths the schema or substitution already complained about. */
  constructor(private readonly flagged: ReadonlySet<string>) {}

  /** Records a problem unless this path was already reported (by the schema, or this pass). */
  add(path: string, message: string): void {
    const key = `${path}\0${message}`;
    if (this.flagged.has(path) || this.reported.has(key)) return;
    this.reported.add(key);
    this.issues.push({ path, message });
  }

  read<T>(obj: RawMap | undefined, key: string, base: string, guard: (v: unknown) => v is T): Read<T> {
    if (!obj || !(key in obj) || obj[key] === undefined) return undefined;
    const v = obj[key];
    if (this.flagged.has(child(base, key)) || !guard(v)) return BAD;
    return v;
  }

  map(obj: RawMap | undefined, key: string, base: string): Read<RawMap> {
    return this.read(obj, key, base, isPlainObject);
  }
}

export function ok<T>(v: Read<T>): v is T {
  return v !== undefined && v !== BAD;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
export const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
export const isPort = (v: unknown): v is number =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
export const isPath = (v: unknown): v is string => typeof v === 'string' && v.startsWith('/');
export const isAny = (v: unknown): v is unknown => v !== undefined;
