/**
 * Credential redaction for every string that leaves the process: log lines, API answers, errors,
 * FFmpeg stderr (FIELD-NOTES #12: credentials leaked into logs and `ps`).
 *
 * Two layers: URL user-info (`scheme://user:pass@`) is always masked, and every secret value
 * registered from the config (raw and percent-encoded forms) is replaced wherever it appears.
 */

const USERINFO_RE = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s@"']+)@/gi;
const MASK = '***';

export class Redactor {
  private secrets: string[] = [];
  private configSecrets: string[] = [];
  /** Secrets learnt at run time (the MQTT password the HA Supervisor hands out): kept across reloads. */
  private readonly runtimeSecrets = new Set<string>();

  /** Values shorter than this are not registered: masking every "ab" would garble all text. */
  constructor(private readonly minLength = 3) {}

  /** Replaces the set of known config secrets (called on every config (re)load). */
  setSecrets(values: Iterable<string>): void {
    this.configSecrets = [...values];
    this.rebuild();
  }

  /** Adds secrets that do not come from the config file; setSecrets keeps them. */
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
      all.add(encodeURIComponent(v));
    }
    // Longest first, so a secret that contains another is masked whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text.replace(USERINFO_RE, `$1${MASK}@`);
    for (const s of this.secrets) {
      if (out.includes(s)) out = out.split(s).join(MASK);
    }
    return out;
  }

  /** Deep-redacts every string in a JSON-able value (for API answers). */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }
}

/** Process-wide redactor: the logger and the API both use it. */
export const redactor = new Redactor();

export function redact(text: string): string {
  return redactor.redact(text);
}
