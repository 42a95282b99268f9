/**
 * Shared pieces of the property-based fuzz tests (fast-check): a fixed seed and modest run counts
 * (the whole fuzz set stays near a minute on two busy cores; FUZZ_RUNS=n raises every property to n
 * runs, FUZZ_SEED=n picks another seed), a trap for unhandled rejections and uncaught exceptions,
 * the corpus of inputs that once broke something (replayed on every run), and a time bound.
 *
 * When a property fails, fast-check prints the counterexample and its seed/path: add the input to
 * test/fixtures/fuzz-corpus/<target>/ (a file named for what it broke), fix the bug, keep the file.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadScaledMs } from '../helpers/processes.js';

export { fc };

const root = new URL('../..', import.meta.url).pathname;
export const CORPUS_DIR = join(root, 'test', 'fixtures', 'fuzz-corpus');

/** One seed for every property: the same inputs on every run, so a failure reproduces. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20_261_204);

/** `base` runs, or FUZZ_RUNS when set (a longer local or nightly hunt). */
export function runs(base: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? n : base;
}

/** fast-check parameters: fixed seed, run count, and no shrinking budget blow-up on two cores. */
export function params(base: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: runs(base), endOnFailure: false, interruptAfterTimeLimit: 120_000 };
}

/** The corpus files of a target (name, bytes), sorted; empty when none were kept yet. */
export function corpus(target: string): Array<{ name: string; data: Buffer }> {
  const dir = join(CORPUS_DIR, target);
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => !n.startsWith('.') && n !== 'README.md');
  } catch {
    return [];
  }
  return names.sort().map((name) => ({ name, data: readFileSync(join(dir, name)) }));
}

/**
 * Collects every unhandled rejection and uncaught exception while a fuzz file runs (a listener
 * keeps Node from dying, so the test can name the culprit). `check()` throws if any were seen.
 */
export function trapUnhandled(): { check(what: string): void; dispose(): void } {
  const seen: unknown[] = [];
  const onRejection = (reason: unknown) => seen.push(reason);
  const onException = (err: unknown) => seen.push(err);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    check(what: string) {
      if (seen.length === 0) return;
      const first = seen.splice(0)[0];
      throw new Error(
        `${what}: unhandled rejection or uncaught exception: ${String((first as Error)?.stack ?? first)}`,
      );
    },
    dispose() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Throws when `startedAt` is longer ago than `targetMs` (scaled by the machine's load). */
export function assertQuick(startedAt: number, targetMs: number, what: string): void {
  const { limitMs } = loadScaledMs(targetMs);
  const took = Date.now() - startedAt;
  if (took > limitMs) throw new Error(`${what} took ${took} ms (bound ${limitMs} ms)`);
}

/** Keys that trip code treating a parsed JSON object as a plain map. */
export const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
];

/** Strings that have broken parsers before: empty, huge, control characters, lone surrogates, NUL. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '%',
  '%zz',
  '../../etc/passwd',
  'a'.repeat(5000),
  '${HOME}',
  '!secret x',
  '"\\',
  '\n\r\t',
  '1e309',
  '-0',
  '__proto__',
];

/** A JSON-able value with a bias toward the shapes that break validators. */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(...NASTY_STRINGS),
    fc.constantFrom(0, -1, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_SAFE_INTEGER, 1e300),
    fc.dictionary(fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), fc.string({ maxLength: 8 })), tie('v'), {
      maxKeys: 4,
    }),
    fc.array(tie('v'), { maxLength: 4 }),
  ),
})).v;

/** `base` with the value at one of its paths replaced (or a key added): structure-aware mutation. */
export function mutateAt(base: unknown, pick: number, value: unknown, extraKey: string | null): unknown {
  const paths: Array<Array<string | number>> = [[]];
  const walk = (v: unknown, path: Array<string | number>) => {
    const entries: Array<[string | number, unknown]> = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : v && typeof v === 'object'
        ? Object.entries(v)
        : [];
    for (const [k, x] of entries) {
      paths.push([...path, k]);
      walk(x, [...path, k]);
    }
  };
  walk(base, []);
  const path = paths[pick % paths.length]!;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  if (path.length === 0) return extraKey === null ? value : { ...copy, [extraKey]: value };
  let parent: Record<string | number, unknown> = copy;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (extraKey !== null && parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last]))
    Object.defineProperty(parent[last], extraKey, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else parent[last] = value;
  return copy;
}
