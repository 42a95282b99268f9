/**
 * A synthetic phone: FFmpeg encoding a live H.264 test picture to a local SRT caller, bonded by the
 * SRTLA test sender over three links (127.0.0.2-4) to a receiver. Run as a child process by the
 * demo (addon/src/demo/demo.ts) and usable by hand:
 *   node --import tsx test/helpers/srtla-phone.ts <receiver port> [receiver host] [SRT stream id]
 * The stream id names the MediaMTX path when MediaMTX takes the SRT ingest (FFmpeg's listener ignores it).
 * SIGTERM stops FFmpeg (awaited) and the sender, then exits.
 */
import { ffmpegSrtCaller } from './srt-peers.js';
import { SrtlaTestSender } from './srtla-sender.js';

const port = Number(process.argv[2]);
const host = process.argv[3] || '127.0.0.1';
const streamId = process.argv[4] || undefined;
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: srtla-phone.ts <receiver port> [receiver host]\n');
  process.exit(2);
}
const sender = new SrtlaTestSender({
  listen: { host: '127.0.0.1', port: 0 },
  receiver: { host, port },
  localAddresses: ['127.0.0.2', '127.0.0.3', '127.0.0.4'],
});
await sender.start();
// Encode once the links are registered: an SRT caller whose handshake finds no path gives up.
while (sender.activeLinks < 3) await new Promise((r) => setTimeout(r, 50));
const encoder = ffmpegSrtCaller('127.0.0.1', sender.listenPort, {
  size: '640x360',
  latencyMs: 500,
  streamId,
});
let stopping = false;
// The encoder's SRT caller gives up when the listener is away: start it again, as a phone app does.
const respawn = async (e: typeof encoder): Promise<void> => {
  await e.exited;
  if (stopping) return;
  await new Promise((r) => setTimeout(r, 2000));
  if (!stopping)
    current = ffmpegSrtCaller('127.0.0.1', sender.listenPort, { size: '640x360', latencyMs: 500, streamId });
  if (!stopping) void respawn(current);
};
let current = encoder;
void respawn(current);
process.stdout.write(`phone: 3 links to ${host}:${port}\n`);
const stop = async () => {
  stopping = true;
  await current.stop();
  await sender.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
