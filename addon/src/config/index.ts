/**
 * The config module's public API. Everything else in the folder is an implementation detail.
 *   loadConfig(file)            file -> { ok, config, provenance } | { ok: false, errors }
 *   resolveConfig(raw, opts)    the same from an in-memory object (demo mode, tests)
 *   explainCamera / explainConfig, diffConfig, formatIssues
 */
export { loadConfig, loadConfigOrThrow, parseConfigText, type LoadOptions } from './load.js';
export { resolveConfig, type ConfigResult, type LoadedConfig, type ResolveOptions } from './resolve.js';
export { ConfigError, formatIssue, formatIssues, type ConfigIssue } from './errors.js';
export { explainCamera, explainConfig } from './explain.js';
export {
  diffConfig,
  diffMaps,
  diffSlice,
  SERVER_SLICE,
  sliceChanged,
  streamProfiles,
  type ConfigDiff,
  type ConfigSlice,
  type SetDiff,
} from './diff.js';
export { SecretRef } from './secrets.js';
export type { ConfigProvenance } from './provenance.js';
export { parseDuration, formatDuration } from './duration.js';
export { parseBitrate, formatBitrate } from './bitrate.js';
export { BUILT_IN_TUNING } from './built-in.js';
