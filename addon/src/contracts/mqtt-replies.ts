/**
 * Where Lookout may publish a command's answer. The requester names the topic (MQTT v5
 * `responseTopic`, or `response_topic` in a v3.1.1 payload) and picks the `correlation_id` echoed in
 * it, so an unchecked reply topic makes Lookout publish attacker-shaped JSON anywhere its own
 * session may: HA discovery (`homeassistant/switch/evil/config` creates an entity) or Lookout's own
 * state and availability topics. Answers therefore go only strictly below one reply prefix
 * (`mqtt.reply_prefix`, default `<base>/_replies`: camera ids start with a letter or digit, so no
 * camera topic lives there), never into the discovery prefix or Lookout's other topics.
 *
 * Pure module: no Node imports (nodes/ name their reply topics with defaultReplyPrefix).
 */
export interface ReplyTopicRule {
  baseTopic: string;
  discoveryPrefix: string;
  /** `mqtt.reply_prefix` (resolved). */
  replyPrefix: string;
}

/** The default reply prefix for a base topic; the Node-RED nodes use `<base>/_replies/<uuid>`. */
export const defaultReplyPrefix = (baseTopic: string): string => `${baseTopic}/_replies`;

const MAX_TOPIC = 256;

/** True when `topic` is `prefix` or below it (whole levels: `a/bc` is not below `a/b`). */
export function isWithin(topic: string, prefix: string): boolean {
  return topic === prefix || topic.startsWith(`${prefix}/`);
}

/** Null when Lookout may answer on `topic`; else why not (for the one log line). */
export function replyTopicProblem(topic: unknown, rule: ReplyTopicRule): string | null {
  if (typeof topic !== 'string' || topic.length === 0) return 'not a topic';
  if (topic.length >= MAX_TOPIC) return `longer than ${MAX_TOPIC - 1} characters`;
  if (/[#+\0]/.test(topic) || topic.startsWith('$')) return 'wildcards, NUL and $ topics are not allowed';
  if (!topic.startsWith(`${rule.replyPrefix}/`)) return `not below the reply prefix ${rule.replyPrefix}/`;
  // The config refuses a reply prefix that overlaps these; checked again so a rule built by hand
  // (tests, a future caller) cannot reopen them.
  if (isWithin(topic, rule.discoveryPrefix)) return 'inside the Home Assistant discovery prefix';
  if (isWithin(topic, rule.baseTopic) && !isWithin(topic, defaultReplyPrefix(rule.baseTopic)))
    return "one of Lookout's own topics";
  return null;
}

/**
 * The config check of `mqtt.reply_prefix`: null when usable. Neither Lookout's base topic nor the
 * discovery prefix may be at or below it, nor it below them (except the default `<base>/_replies`).
 */
export function replyPrefixProblem(rule: ReplyTopicRule): string | null {
  const { replyPrefix: p, baseTopic, discoveryPrefix } = rule;
  if (p === defaultReplyPrefix(baseTopic))
    return isWithin(p, discoveryPrefix) ? 'inside the discovery prefix' : null;
  for (const [name, other] of [
    ['base_topic', baseTopic],
    ['discovery_prefix', discoveryPrefix],
  ] as const)
    if (isWithin(p, other) || isWithin(other, p)) return `overlaps ${name} "${other}"`;
  return null;
}
