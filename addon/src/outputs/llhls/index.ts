/** LL-HLS origin over the hub: muxers per key (lease + playlists), blocking reload, HTTP routes. */
export { LlhlsMuxer, type MuxerOptions } from './muxer.js';
export { LlhlsOrigin, ORIGIN_DEFAULTS, type OriginOptions } from './origin.js';
export { llhlsRoutes } from './routes.js';
export { renderMediaPlaylist, renderMultivariantPlaylist, uri } from './playlist.js';
