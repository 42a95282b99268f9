/**
 * Which detection kinds a camera declares: the topic set of its GetEventProperties answer (as the
 * library parses it: element names camel-cased, repeated siblings as arrays, attributes under `$`),
 * mapped through the same rules as the notifications (topics.ts), so an entity offered from the
 * declaration is the one its events later drive.
 *
 * A declared topic counts only when it carries a boolean data item, like parseNotification, which
 * ignores a stateful topic without a state; line crossing is a pulse and counts without one. This
 * also keeps e.g. a `…/NetworkInterface` status topic from reading as `face`.
 */
import { MOTION_KINDS, type MotionKind } from '../../contracts/events.js';
import { kindOf } from './topics.js';

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every `tt:SimpleItemDescription` of a message description's Data part. */
function dataItems(description: unknown): { Name?: unknown; Type?: unknown }[] {
  const data = isNode(description) ? description.data : undefined;
  const list = isNode(data) ? data.simpleItemDescription : undefined;
  const items = Array.isArray(list) ? list : list === undefined ? [] : [list];
  return items.map((i) => (isNode(i) && isNode(i.$) ? i.$ : {}) as { Name?: unknown; Type?: unknown });
}

function hasBooleanState(description: unknown): boolean {
  return dataItems(description).some((i) => typeof i.Type === 'string' && /(^|:)boolean$/.test(i.Type));
}

/** Kinds declared by a GetEventProperties answer (`{topicSet, …}`), in MOTION_KINDS order; [] for nothing usable. */
export function kindsFromEventProperties(props: unknown): MotionKind[] {
  const found = new Set<MotionKind>();
  const visit = (node: unknown, path: string[], depth: number): void => {
    if (depth > 12) return; // a topic tree is a few levels deep; a malformed answer is not followed
    if (Array.isArray(node)) {
      for (const n of node) visit(n, path, depth + 1);
      return;
    }
    if (!isNode(node)) return;
    if ('messageDescription' in node) {
      const kind = kindOf(path.join('/'));
      const descriptions = Array.isArray(node.messageDescription)
        ? node.messageDescription
        : [node.messageDescription];
      if (kind && (kind === 'line' || descriptions.some(hasBooleanState))) found.add(kind);
    }
    for (const [name, child] of Object.entries(node)) {
      if (name === '$' || name === '_' || name === 'messageDescription') continue;
      visit(child, [...path, name], depth + 1);
    }
  };
  const topicSet = isNode(props) ? props.topicSet : undefined;
  visit(topicSet, [], 0);
  return MOTION_KINDS.filter((k) => found.has(k));
}
