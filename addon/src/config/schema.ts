/**
 * Structural validation against config/lookout.schema.json (the file format's single definition),
 * with ajv's terse messages rewritten for humans: unknown keys are named (with a "did you mean"),
 * enum errors list the allowed values, and a pattern failure on a value type (duration, bitrate,
 * host, ...) is explained by that type's own parser so both routes give the same message.
 */
import Ajv2020Module, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import schemaJson from '../../../config/lookout.schema.json' with { type: 'json' };
import { parseBitrate } from './bitrate.js';
import { parseDuration } from './duration.js';
import { child, quote, type ConfigIssue } from './errors.js';
import { parseHost } from './host.js';
import { checkUrlScheme, HTTP_SCHEMES, SOURCE_SCHEMES } from './source-url.js';

export const CONFIG_SCHEMA: Readonly<Record<string, unknown>> = schemaJson;

// ajv is CommonJS; under NodeNext the class sits on `.default`.
const Ajv2020 = Ajv2020Module.default;

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  // strict: a mistake in the schema itself fails loudly at first use (and in the tests).
  compiled ??= new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true }).compile(
    schemaJson,
  );
  return compiled;
}

/** Validates a raw config (after ${ENV}/!secret substitution); returns one issue per problem. */
export function validateSchema(raw: unknown): ConfigIssue[] {
  const validate = validator();
  if (validate(raw)) return [];
  return dedupe((validate.errors ?? []).flatMap(translate));
}

// Parsers whose message explains a pattern failure better than the regex does.
const PATTERN_EXPLAINERS: Record<string, (value: unknown) => void> = {
  duration: parseDuration,
  bitrate: parseBitrate,
  host: parseHost,
  source_url: (v) => checkUrlScheme(String(v), SOURCE_SCHEMES),
  http_url: (v) => checkUrlScheme(String(v), HTTP_SCHEMES),
};

const PATTERN_MESSAGES: Record<string, string> = {
  camera_id:
    'must be a slug: lower-case letters, digits, _ and -, starting with a letter or digit, at most 64 characters',
  url_path: 'must start with /',
};

function translate(e: ErrorObject): ConfigIssue[] {
  const path = e.instancePath;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((e.parentSchema?.['properties'] as object | undefined) ?? {});
      const guess = closest(key, allowed);
      const hint = guess ? ` (did you mean ${quote(guess)}?)` : '';
      return [{ path: child(path, key), message: `unknown key ${quote(key)}${hint}${allowedList(allowed)}` }];
    }
    case 'required': {
      const key = String((e.params as { missingProperty: string }).missingProperty);
      return [{ path: child(path, key), message: `missing required key ${quote(key)}` }];
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof e.data === 'string' ? closest(e.data, allowed) : undefined;
      const got =
        e.data === undefined
          ? ''
          : ` (got ${quote(e.data)}${guess ? `; did you mean ${quote(guess)}?` : ''})`;
      return [{ path, message: `must be one of: ${allowed.join(', ')}${got}` }];
    }
    case 'type':
      return [
        {
          path,
          message: `must be ${typeWords(e.params as { type: string | string[] })} (got ${typeOf(e.data)})${typeHint(e)}`,
        },
      ];
    case 'pattern':
      return [{ path, message: explainPattern(e) }];
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { comparison, limit } = e.params as { comparison: string; limit: number };
      return [{ path, message: `must be ${comparison} ${limit} (got ${quote(e.data)})` }];
    }
    case 'multipleOf':
      return [
        {
          path,
          message: `must be a multiple of ${(e.params as { multipleOf: number }).multipleOf} (got ${quote(e.data)})`,
        },
      ];
    case 'minItems':
      return [{ path, message: `must have at least ${(e.params as { limit: number }).limit} item(s)` }];
    case 'maxItems':
      return [{ path, message: `must have at most ${(e.params as { limit: number }).limit} items` }];
    case 'minLength':
      return [{ path, message: 'must not be empty' }];
    default:
      return [{ path, message: e.message ?? `fails ${e.keyword}` }];
  }
}

function explainPattern(e: ErrorObject): string {
  const def = /^#\/\$defs\/([^/]+)\/pattern$/.exec(e.schemaPath)?.[1];
  const explain = def ? PATTERN_EXPLAINERS[def] : undefined;
  if (explain) {
    try {
      explain(e.data);
    } catch (err) {
      return (err as Error).message;
    }
  }
  const fixed = def ? PATTERN_MESSAGES[def] : undefined;
  if (fixed) return `${fixed} (got ${quote(e.data)})`;
  return `must match ${String((e.params as { pattern: string }).pattern)} (got ${quote(e.data)})`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
  object: 'a map (key: value)',
  array: 'a list',
  null: 'empty',
};

function typeWords(params: { type: string | string[] }): string {
  const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
  return types.map((t) => TYPE_WORDS[t] ?? t).join(' or ');
}

function typeOf(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'number') return Number.isInteger(v) ? 'a whole number' : 'a number';
  return `a ${typeof v}`;
}

function typeHint(e: ErrorObject): string {
  const want = String((e.params as { type: string | string[] }).type);
  if (want === 'string' && (typeof e.data === 'number' || typeof e.data === 'boolean')) {
    return '; quote it in YAML, e.g. "0123", so it stays text';
  }
  if (e.data === null) return '; the key is there but has no value';
  return '';
}

function allowedList(allowed: string[]): string {
  return allowed.length > 0 && allowed.length <= 20 ? `; allowed here: ${allowed.join(', ')}` : '';
}

/** "did you mean" for typos: a case-insensitive match, or the nearest within an edit distance of 2. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = candidates.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined || word.length < 3) return exact;
  let best: string | undefined;
  let bestDist = 3;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDist) {
      best = c;
      bestDist = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

// A union type (number|string) with a pattern can fail twice on one value; keep one message per path.
function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.path}\0${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
