/**
 * Credential redaction for every string that leaves the process: log lines, API answers, errors,
 * FFmpeg stderr (FIELD-NOTES #12: credentials leaked into logs and `ps`).
 *
 * Three layers: URL user-info (`scheme://user:pass@`) is always masked, so are the values of query
 * parameters whose name says "credential" (`pwd=`, `loginpas=`, `access_token=`…), and every secret
 * value registered with the app's redactor is replaced wherever it appears, in any of the forms text
 * gives it: raw, percent-encoded (either hex case, `+` for space), JSON-escaped.
 *
 * One instance per app, owned by whoever starts it (`lookout serve`, startLookout): the config's
 * secrets are set on every (re)load and the code that learns a secret at run time (server token,
 * the HA Supervisor's broker password) adds it. Consumers see only the narrow `Redactor`.
 */

/** What consumers need: text and JSON-able values with every credential masked. */
export interface Redactor {
  redact(text: string): string;
  /** Deep-redacts every string in a JSON-able value (API answers, MQTT payloads), before serialisation. */
  redactValue<T>(value: T): T;
}

/** What the code that learns a secret at run time needs (it never reads the list back). */
export interface SecretRegistry {
  addSecrets(values: Iterable<string>): void;
}

const MASK = '***';

/**
 * User-info up to the LAST `@` before the host: an unencoded `@` in a password (`rtsp://u:p@ss@h`)
 * must not leave its tail (`ss`) in the text. Stops at `/`, white space and quotes, so it never runs
 * past the URL's authority into the next word.
 */
const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s"']+)@/gi;

/**
 * Query parameter names that carry a credential, by pattern rather than a fixed list: vendors spell
 * them every way (`pwd`, Foscam `loginpas`, `user_pwd`, `api_key`, `access_token`, `sig`…).
 * Usernames (`user`, `loginuse`) are not secrets and stay readable.
 */
const SENSITIVE_PARAM_RE =
  /^(?:[a-z0-9_.-]*(?:pas|pwd|secret|token|auth|apikey|api[_-]key|credential|signature|passphrase)[a-z0-9_.-]*|pw|key|sig|psk)$/i;

export function isSensitiveParam(name: string): boolean {
  return SENSITIVE_PARAM_RE.test(name);
}

/** `name=value` after `?`, `&` or `;`; the value runs to the next separator, space or quote. */
const QUERY_PARAM_RE = /([?&;])([a-z0-9_.-]+)=([^&;#\s"'<>]*)/gi;

function maskUrls(text: string): string {
  return text
    .replace(USERINFO_RE, `$1${MASK}@`)
    .replace(QUERY_PARAM_RE, (all, sep: string, name: string, value: string) =>
      value !== '' && value !== MASK && isSensitiveParam(name) ? `${sep}${name}=${MASK}` : all,
    );
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
/** `%2f` / `%2F`: hex digits in either case. */
const hexRe = (byte: number) =>
  `%${[...byte.toString(16).toUpperCase().padStart(2, '0')].map((d) => (/[A-F]/.test(d) ? `[${d}${d.toLowerCase()}]` : d)).join('')}`;

/**
 * A pattern matching every form a secret takes in text: each character raw, percent-encoded (any
 * hex case; `+` for a space), or JSON-escaped (`\"`, `\\`, at any depth of escaping).
 */
function secretPattern(secret: string): string {
  let out = '';
  for (const ch of secret) {
    if (/[A-Za-z0-9_.~]/.test(ch)) {
      out += ch;
      continue;
    }
    const forms = [escapeRe(ch), [...Buffer.from(ch, 'utf8')].map(hexRe).join('')];
    if (ch === ' ') forms.push('\\+');
    if (ch === '"') forms.push('\\\\+"');
    if (ch === '\\') forms.push('\\\\+');
    const json = JSON.stringify(ch).slice(1, -1);
    if (json !== ch && ch !== '"' && ch !== '\\') forms.push(escapeRe(json));
    out += `(?:${forms.join('|')})`;
  }
  return out;
}

/** The app's redactor: URL rules plus the registered secrets. */
export class SecretRedactor implements Redactor, SecretRegistry {
  private configSecrets: string[] = [];
  /** Secrets learnt at run time (server token, the HA Supervisor's broker password): kept across reloads. */
  private readonly runtimeSecrets = new Set<string>();
  private pattern: RegExp | null = null;

  /** Values shorter than this are not registered: masking every "ab" would garble all text. */
  constructor(private readonly minLength = 3) {}

  /** Replaces the config's secrets (called on every config (re)load); run-time secrets stay. */
  setSecrets(values: Iterable<string>): void {
    this.configSecrets = [...values];
    this.rebuild();
  }

  addSecrets(values: Iterable<string>): void {
    for (const v of values) this.runtimeSecrets.add(v);
    this.rebuild();
  }

  private rebuild(): void {
    const all = new Set<string>();
    for (const v of [...this.configSecrets, ...this.runtimeSecrets]) {
      // Very short values would mask innocent text everywhere; URLs still get masked by USERINFO_RE.
      if (typeof v !== 'string' || v.length < this.minLength) continue;
      all.add(v);
    }
    // Longest first, so a secret that contains another is masked whole (alternation takes the first).
    const sorted = [...all].sort((a, b) => b.length - a.length);
    this.pattern = sorted.length ? new RegExp(sorted.map(secretPattern).join('|'), 'g') : null;
  }

  redact(text: string): string {
    // Registered secrets first: a URL rule stops at a quote, so it could cut a secret that holds one.
    return maskUrls(this.pattern ? text.replace(this.pattern, MASK) : text);
  }

  redactValue<T>(value: T): T {
    return walk(value, (s) => this.redact(s)) as T;
  }
}

/** Each string (keys too) through `f`, the shape kept: JSON text is never cut by a mask. */
function walk(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => walk(v, f));
  if (value !== null && typeof value === 'object') {
    const json = (value as { toJSON?: unknown }).toJSON;
    if (typeof json === 'function') return walk((json as () => unknown).call(value), f);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), walk(v, f)]));
  }
  return value;
}

/**
 * The URL rules alone, no registered secrets: for text made where no app runs (the CLI's probe,
 * a fault text before it reaches the logger or the API, which apply the app's redactor again).
 */
export const urlRedactor: Redactor = new SecretRedactor();
