/** The in-process stream hub: one per running stream key. See README.md. */
export { type HubWarning, type WarningCode } from './meter.js';
export {
  FRAGMENTS_PER_PART,
  HISTORY_BYTES_PER_S,
  HUB_DEFAULTS,
  type HubOptions,
  resolveHubOptions,
} from './options.js';
export { HubReader, type SubscribeOptions } from './reader.js';
export { type HubEvents, StreamHub } from './stream-hub.js';
export type { HubStatus, InitRecord, Fragment, ReaderEvent, ReaderStats, Segment } from './types.js';
export type { StartAt } from './window.js';
