/**
 * Reading a YAML config file: parse (with the `!secret` tag, anchors and `<<` merge keys), resolve,
 * then point each problem at its line in the file. YAML syntax errors stop here: a document that
 * does not parse cannot be validated meaningfully.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from 'yaml';
import { ConfigError, pointerSegments, type ConfigIssue } from './errors.js';
import { finish, resolveRaw, type ConfigResult, type LoadedConfig, type ResolveOptions } from './resolve.js';
import { secretTag } from './secrets.js';

export type LoadOptions = Omit<ResolveOptions, 'baseDir'>;

/** Loads a config file; relative paths in it are relative to its folder. Never throws for a bad file. */
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      errors: [
        {
          path: '',
          message: `cannot read config file ${file}${code === 'ENOENT' ? ': no such file' : ` (${code ?? 'error'})`}`,
        },
      ],
    };
  }
  return parseConfigText(text, { ...opts, baseDir: dirname(resolve(file)) });
}

/** Like loadConfig, but throws a ConfigError (whose message lists every problem). */
export async function loadConfigOrThrow(file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  const r = await loadConfig(file, opts);
  if (!r.ok) throw new ConfigError(r.errors, file);
  return { config: r.config, provenance: r.provenance };
}

/** Parses and resolves YAML text (what loadConfig does after reading the file). */
export function parseConfigText(text: string, opts: ResolveOptions = {}): ConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { customTags: [secretTag], merge: true, prettyErrors: false, lineCounter });
  // Warnings too (e.g. an unknown tag such as `!env`): a config that half-parses must not start.
  const yamlProblems = [...doc.errors, ...doc.warnings];
  if (yamlProblems.length > 0) {
    return {
      ok: false,
      errors: yamlProblems.map((e) => {
        const line = lineCounter.linePos(e.pos[0]).line;
        return { path: '', message: `YAML: ${e.message.split('\n')[0]}`, ...(line ? { line } : {}) };
      }),
    };
  }
  // toJS itself can refuse what parsing accepted (a `<<` merge of a scalar, too many aliases): that
  // is a YAML problem of the file, reported like the others, never an exception out of the loader.
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    return { ok: false, errors: [{ path: '', message: `YAML: ${(err as Error).message.split('\n')[0]}` }] };
  }
  const r = resolveRaw(raw, opts);
  const located = r.issues.map((i) => locate(i, doc, lineCounter));
  return finish({ ...r, issues: located });
}

/** Adds the line of the deepest node on the issue's path that exists (a missing key: its parent). */
function locate(issue: ConfigIssue, doc: Document, lc: LineCounter): ConfigIssue {
  let node: unknown = doc.contents;
  let offset: number | undefined = rangeStart(node);
  for (const seg of pointerSegments(issue.path)) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      offset = rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)];
      if (item === undefined) break;
      offset = rangeStart(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? issue : { ...issue, line: lc.linePos(offset).line };
}

function rangeStart(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}
