/**
 * Presets by name. Users see names; tokens stay inside. The library's getPresets result changed
 * shape three times (≤0.7 {name: token}, 0.8.0 {token: name}, 0.8.1 {token: preset}, 0.8.2
 * {name: preset}) and numeric-looking tokens come back as numbers, so everything goes through
 * normalisePresets(). The name rule itself is a contract (contracts/ptz.ts).
 */
export interface Preset {
  name: string;
  token: string;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : null;

export function normalisePresets(raw: unknown): Preset[] {
  const out: Preset[] = [];
  const list: Array<[string, unknown]> = Array.isArray(raw)
    ? raw.map((v, i) => [String(i), v] as [string, unknown])
    : isObj(raw)
      ? Object.entries(raw)
      : [];
  for (const [key, value] of list) {
    if (isObj(value)) {
      const attrs = isObj(value.$) ? value.$ : {};
      const token = str(attrs.token) ?? str(value.token) ?? (Array.isArray(raw) ? null : key);
      const name = str(value.name) ?? str(value.Name) ?? (Array.isArray(raw) ? null : key);
      if (token !== null) out.push({ token, name: name ?? token });
    } else if (str(value) !== null && !Array.isArray(raw)) {
      // Plain map (≤0.7.x was {name: token}); 0.8.0's {token: name} is indistinguishable, so we
      // follow the older, more widespread shape. 0.8.3 (pinned) never takes this branch.
      out.push({ name: key, token: str(value) ?? key });
    }
  }
  return out;
}

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
