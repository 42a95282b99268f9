/**
 * FFmpeg input arguments for decoding what the hub holds: fragmented MP4 (an init segment plus
 * fragments) written to the child's stdin. Shared by every in-process decoder (snapshots, pixel
 * motion) so they read the hub's bytes the same way.
 */
export const FMP4_FROM_STDIN: readonly string[] = [
  '-hide_banner',
  '-nostdin',
  '-loglevel',
  'error',
  '-f',
  'mp4',
  '-i',
  'pipe:0',
];
