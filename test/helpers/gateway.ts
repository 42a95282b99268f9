/**
 * The real MediaMTX for tests: the binary scripts/setup.sh builds (never a fake; a missing binary
 * fails the test and says how to build it), and loopback listeners on free ports.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { findMediamtx } from '../../addon/src/gateway/binary.js';
import { spawnChild, type ChildProcess } from '../../addon/src/lib/child-process.js';
import type { GatewayListen } from '../../addon/src/gateway/mediamtx-config.js';
import { processesMatching, zombieChildren } from './processes.js';

export function mediamtxBinary(): string {
  const found = findMediamtx();
  if (!found.found)
    throw new Error(`real MediaMTX needed: ${found.reason}. Run: bash scripts/build-mediamtx.sh`);
  return found.path;
}

async function freeTcp(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const u = createSocket('udp4');
    u.once('error', () => resolve(false));
    u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
  });
}

/** A port free on 127.0.0.1 for TCP and UDP (WebRTC ICE and SRT use UDP; ICE TCP shares the number). */
async function freePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const p = await freeTcp();
    if (!taken.has(p) && (await udpFree(p))) {
      taken.add(p);
      return p;
    }
  }
}

/** Every gateway listener on 127.0.0.1, each on its own free port. */
export async function loopbackGateway(): Promise<GatewayListen> {
  const taken = new Set<number>();
  return {
    host: '127.0.0.1',
    rtspPort: await freePort(taken),
    webrtcPort: await freePort(taken),
    srtPort: await freePort(taken),
    apiPort: await freePort(taken),
    whepPort: await freePort(taken),
    webrtcHosts: ['127.0.0.1'],
    webrtcInterfaces: false,
  };
}

/** Stops Lookout (and so MediaMTX) and the camera; then no zombie and no MediaMTX left running. */
export async function stopGatewayTest(
  app: { gateway: { configFile: string } | null; stop(): Promise<void> } | undefined,
  cam: { close(): Promise<void> } | undefined,
): Promise<void> {
  const cfg = app?.gateway?.configFile;
  await app?.stop();
  await cam?.close();
  assert.deepEqual(zombieChildren(), []);
  if (cfg) assert.deepEqual(processesMatching(cfg), [], 'no MediaMTX left after stop');
}

/** An FFmpeg peer: reads an RTSP URL over TCP and copies it to `output` (`-f <format> <url>`). */
export function rtspCopy(input: string, output: string[]): ChildProcess {
  return spawnChild({
    file: 'ffmpeg',
    args: [
      '-hide_banner',
      '-loglevel',
      'error',
      '-rtsp_transport',
      'tcp',
      '-i',
      input,
      '-c',
      'copy',
      ...output,
    ],
  });
}
