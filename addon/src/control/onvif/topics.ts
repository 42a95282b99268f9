/**
 * ONVIF notification → normalised detection. Topic prefixes are not stable across vendors
 * (tns1:, tnsaxis:, none), and the text may carry whitespace/newlines, so we match on the path
 * after stripping them. Payload shape is the library's (NODERED-ONVIF §3.5): simpleItem is an
 * object or an array of {$: {Name, Value}}, and values arrive coerced ("true" → true, "1" → 1).
 */
import type { MotionKind } from '../../contracts/events.js';

export interface Detection {
  kind: MotionKind;
  /** The normalised topic plus the source items: one camera can have several detectors per kind. */
  key: string;
  /** null for pulse topics (line crossing) that carry no state. */
  active: boolean | null;
  /** Initialized = state dump when subscribing; Changed = a real change. */
  operation: 'Initialized' | 'Changed' | 'Deleted';
}

/** `tns1:RuleEngine/ tnsaxis:CellMotionDetector/Motion ` → `RuleEngine/CellMotionDetector/Motion` */
export function normaliseTopic(topic: string): string {
  return topic
    .split('/')
    .map((part) => part.trim().replace(/^[^:]*:/, ''))
    .filter(Boolean)
    .join('/');
}

// Most specific first: "MotionAlarm" and "CellMotionDetector" are plain motion, but a people
// detector's topic can contain "Motion" too.
const KIND_RULES: Array<[RegExp, MotionKind]> = [
  [/people|person|human/i, 'person'],
  [/vehicle|\bcar\b/i, 'vehicle'],
  [/dogcat|animal|\bpet\b/i, 'animal'],
  [/face/i, 'face'],
  [/package|parcel/i, 'package'],
  [/tamper/i, 'tamper'],
  [/linedetector|crossed|tripwire/i, 'line'],
  [/fielddetector|objectsinside|intrusion/i, 'field'],
  [/motion/i, 'motion'],
];

export function kindOf(path: string): MotionKind | null {
  // Misspelt VideoSoure/MotionAlarm (onvif2mqtt #34) is matched by /motion/ anyway.
  for (const [re, kind] of KIND_RULES) if (re.test(path)) return kind;
  return null;
}

const STATE_NAMES = ['IsMotion', 'State', 'IsInside', 'IsTamper', 'IsPeople', 'IsVehicle', 'Active', 'Value'];

type Item = { Name?: unknown; Value?: unknown };

function items(node: unknown): Item[] {
  const si = (node as { simpleItem?: unknown } | undefined)?.simpleItem;
  const list = Array.isArray(si) ? si : si === undefined ? [] : [si];
  return list.map((x) => ((x as { $?: Item } | null)?.$ ?? {}) as Item);
}

export function toBool(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true' || s === '1' || s === 'active' || s === 'on') return true;
    if (s === 'false' || s === '0' || s === 'inactive' || s === 'off') return false;
  }
  return null;
}

/** Parses one library notification message; null when it is not a detection we know. */
export function parseNotification(msg: unknown): Detection | null {
  const m = msg as {
    topic?: { _?: unknown } | string;
    message?: { message?: { $?: { PropertyOperation?: unknown }; source?: unknown; data?: unknown } };
  } | null;
  const rawTopic = typeof m?.topic === 'string' ? m.topic : m?.topic?._;
  if (typeof rawTopic !== 'string') return null;
  const path = normaliseTopic(rawTopic);
  const kind = kindOf(path);
  if (!kind) return null;
  const inner = m?.message?.message;
  const op = inner?.$?.PropertyOperation;
  const operation = op === 'Initialized' || op === 'Deleted' ? op : 'Changed';
  const data = items(inner?.data);
  let active: boolean | null = null;
  for (const name of STATE_NAMES) {
    const item = data.find((i) => i.Name === name);
    if (item && toBool(item.Value) !== null) {
      active = toBool(item.Value);
      break;
    }
  }
  if (active === null) active = data.map((i) => toBool(i.Value)).find((b) => b !== null) ?? null;
  if (active === null && kind !== 'line') return null; // a stateful topic without a state: ignore
  const source = items(inner?.source)
    .map((i) => `${String(i.Name)}=${String(i.Value)}`)
    .join(',');
  return { kind, key: `${path}|${source}`, active, operation };
}
