/**
 * Real SRT peers for the SRTLA tests: Debian's srt-live-transmit (srt-tools) as the listener writing
 * to a file and as the caller reading paced input (../shared/docs/SRTLA.md section 8: unpaced input
 * loses packets in live mode; the size must be a multiple of 1316 and stdin stays open a while).
 * Each process runs in its own process group and is ended by its PID, and its exit is awaited.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { createWriteStream } from 'node:fs';

export const SRT_CHUNK = 1316;

export interface Peer {
  proc: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
  stop(): Promise<void>;
}

/** `netns`: run inside that network namespace (`ip netns exec` execs the command: same PID). */
export function start(cmd: string, args: string[], stdout?: string, netns?: string): Peer {
  if (netns) [cmd, args] = ['ip', ['netns', 'exec', netns, cmd, ...args]];
  const proc = spawn(cmd, args, {
    detached: true,
    stdio: ['pipe', stdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  if (stdout) proc.stdout!.pipe(createWriteStream(stdout));
  proc.stdin!.on('error', () => {}); // the caller may exit (-t) before we close stdin
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    exited,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try {
        process.kill(-proc.pid!, 'SIGTERM');
      } catch {
        return;
      }
      const t = setTimeout(() => {
        try {
          process.kill(-proc.pid!, 'SIGKILL');
        } catch {
          // gone
        }
      }, 2000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** srt-live-transmit in listener mode, writing what it receives to `outFile`; exits when the caller leaves. */
export function srtListener(host: string, port: number, outFile: string, query = '', netns?: string): Peer {
  const h = host.includes(':') ? `[${host}]` : host;
  return start(
    'srt-live-transmit',
    ['-a:no', `srt://${h}:${port}?mode=listener&latency=2000&lossmaxttl=40${query}`, 'file://con'],
    outFile,
    netns,
  );
}

/**
 * srt-live-transmit as a caller, fed `data` in 1316-byte chunks at `mbps`; stdin stays open 3 s
 * after the last chunk so the tail is delivered, and `-t` bounds the process.
 */
export function srtCaller(
  host: string,
  port: number,
  data: Buffer,
  mbps: number,
  /** Extra URL options, e.g. `&streamid=publish:cam`. */
  query = '',
  netns?: string,
): Peer & { fed: Promise<void> } {
  const seconds = Math.ceil((data.length * 8) / (mbps * 1e6)) + 6;
  const h = host.includes(':') ? `[${host}]` : host;
  const peer = start(
    'srt-live-transmit',
    [
      '-a:no',
      `-chunk:${SRT_CHUNK}`,
      `-t:${seconds}`,
      'file://con',
      `srt://${h}:${port}?mode=caller&latency=2000${query}`,
    ],
    undefined,
    netns,
  );
  const fed = pace(peer.proc, data, mbps);
  return { ...peer, fed };
}

async function pace(proc: ChildProcess, data: Buffer, mbps: number): Promise<void> {
  // Give the caller a moment to connect: chunks written before the handshake are lost in live mode.
  await new Promise((r) => setTimeout(r, 1500));
  const bytesPerMs = (mbps * 1e6) / 8 / 1000;
  const t0 = Date.now();
  let off = 0;
  while (off < data.length && proc.exitCode === null) {
    const due = Math.min(data.length, Math.floor(((Date.now() - t0) * bytesPerMs) / SRT_CHUNK) * SRT_CHUNK);
    while (off < due) {
      proc.stdin!.write(data.subarray(off, off + SRT_CHUNK));
      off += SRT_CHUNK;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 3000));
  proc.stdin!.end();
}

/** Random test payload: `chunks` × 1316 bytes. */
export function payload(chunks: number): Buffer {
  return randomBytes(chunks * SRT_CHUNK);
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A UDP port nobody uses right now on `host` (bound, read, released). */
export async function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve) => s.bind(0, host, () => resolve()));
  const port = s.address().port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * FFmpeg as an SRT caller: a live H.264 test picture (MPEG-TS over SRT), like a phone's encoder.
 * Runs until stopped.
 */
export function ffmpegSrtCaller(
  host: string,
  port: number,
  /** `streamId`: the SRT stream id the caller sends (MediaMTX picks its path by it; SRTLA passes it). */
  opts: { size?: string; fps?: number; latencyMs?: number; streamId?: string } = {},
): Peer {
  const h = host.includes(':') ? `[${host}]` : host;
  const fps = opts.fps ?? 15;
  const sid = opts.streamId ? `&streamid=${opts.streamId}` : '';
  return start('ffmpeg', [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'warning',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${opts.size ?? '320x180'}:rate=${fps}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-g',
    String(fps),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'mpegts',
    `srt://${h}:${port}?mode=caller&latency=${(opts.latencyMs ?? 2000) * 1000}&pkt_size=1316${sid}`,
  ]);
}
