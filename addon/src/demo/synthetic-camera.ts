/**
 * SyntheticCamera: starts and controls the GStreamer-based synthetic RTSP camera
 * (addon/synthetic-camera/synthetic_camera.py) for tests, benchmarks and the demo mode.
 *
 * The Python process is the RTSP server; this wrapper talks to it over newline-delimited JSON on
 * stdin/stdout. Process rules (FIELD-NOTES #1, #2) through lib/child-process.ts: own process group, both
 * pipes always drained, the last stderr lines kept for diagnostics, exit always awaited, SIGTERM then
 * SIGKILL to the group of the PID we started and nothing else. The child also exits by itself when its stdin closes, so a crashed
 * test runner leaves no orphan.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lineSplitter, spawnChild, type ChildExit, type ChildProcess } from '../lib/child-process.js';
import type { ProfileName } from '../contracts/stream-key.js';

export type SyntheticAudio = 'none' | 'aac' | 'pcma';
export type SyntheticVideoCodec = 'h264' | 'h265';

/** A camera clock jump (see the `jump` command in addon/synthetic-camera/README.md). */
export interface SyntheticJump {
  /** How far timestamps move, in ms; negative jumps backwards. */
  ms: number;
  /** Media withheld before the jump (video resumes at a keyframe). Default 0. */
  pauseMs?: number;
  /** `now` (default): current clients at once; `start`: every new client, `afterFrames` into its stream. */
  at?: 'now' | 'start';
  afterFrames?: number;
  camera?: string;
}

export interface SyntheticVideoProfile {
  width: number;
  height: number;
  fps: number;
  /** Keyframe interval in frames. */
  gop: number;
}

export interface SyntheticCameraOptions {
  /** TCP port on 127.0.0.1; default 0 = a free port chosen by the server (no race). */
  port?: number;
  /** Number of cameras, named cam1..camN (default 1). Ignored when `names` is given. */
  cameras?: number;
  /** Explicit camera names (slugs). */
  names?: string[];
  main?: Partial<SyntheticVideoProfile> & { bitrateKbps?: number };
  sub?: Partial<SyntheticVideoProfile> & { bitrateKbps?: number };
  audio?: SyntheticAudio;
  /** Video codec per profile (default h264). */
  codecs?: Partial<Record<ProfileName, SyntheticVideoCodec>>;
  /** Also serve MJPEG over HTTP (mjpegUrl()). */
  mjpeg?: boolean;
  /** Moving object on at start (default true). */
  motion?: boolean;
  /** Draw the human-readable clock (default true). It sits in CLOCK_TEXT_REGION. */
  clockText?: boolean;
  /**
   * 'shared' (default): every camera shares one main and one sub encode, so N cameras cost about one.
   * 'per-camera': own encodes per camera (own label, motion switch per camera; N times the CPU).
   */
  encode?: 'shared' | 'per-camera';
  /**
   * 'bars' (default): static colour bars, cheap to encode; x264 stays far below the bitrate setting.
   * 'noise': new noise every frame, so the stream really carries the bitrate setting (scale benchmarks).
   */
  picture?: 'bars' | 'noise';
  /** Label drawn on shared encodes. */
  label?: string;
  /** Require RTSP authentication with these credentials. */
  username?: string;
  password?: string;
  authMethod?: 'basic' | 'digest';
  /** How long to wait for the "ready" event (default 20 s). */
  readyTimeoutMs?: number;
  /** SIGTERM-to-SIGKILL grace in close() (default 3 s). */
  killGraceMs?: number;
  /** Interpreter with the GStreamer bindings (default /usr/bin/python3). */
  python?: string;
  /** Path of synthetic_camera.py (default: found beside the source tree, or $LOOKOUT_SYNTHETIC_CAMERA). */
  scriptPath?: string;
  /** Every event line the server prints (ready, fatal, exit, ...). */
  onEvent?: (event: Record<string, unknown>) => void;
}

export interface SyntheticCameraState {
  stopped: boolean;
  frozen: boolean;
  corrupting: boolean;
  motion: boolean;
  /** Connected clients' pipelines per profile. */
  subscribers: Record<ProfileName, number>;
}

export interface SyntheticCameraStatus {
  listening: boolean;
  port: number;
  cameras: Record<string, SyntheticCameraState>;
  /** Frames (or audio packets) produced per encoder; one entry per distinct encode. */
  encoders: Record<string, number>;
}

interface Pending {
  resolve: (reply: Record<string, unknown>) => void;
  reject: (err: Error) => void;
}

const STDERR_TAIL_LINES = 50;

function findScript(explicit: string | undefined): string {
  const candidates = [
    explicit,
    process.env.LOOKOUT_SYNTHETIC_CAMERA,
    // Source tree: addon/src/demo -> addon/synthetic-camera.
    fileURLToPath(new URL('../../synthetic-camera/synthetic_camera.py', import.meta.url)),
    // Built tree: dist/addon/src/demo -> <repo>/addon/synthetic-camera.
    fileURLToPath(new URL('../../../../addon/synthetic-camera/synthetic_camera.py', import.meta.url)),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  throw new Error('synthetic_camera.py not found (set LOOKOUT_SYNTHETIC_CAMERA)');
}

function videoArg(p: Partial<SyntheticVideoProfile> | undefined, fallback: SyntheticVideoProfile): string {
  const v = { ...fallback, ...p };
  return `${v.width}x${v.height}@${v.fps}:${v.gop}`;
}

export class SyntheticCamera {
  readonly pid: number;
  readonly port: number;
  readonly cameras: readonly string[];
  readonly profiles: Readonly<Record<ProfileName, SyntheticVideoProfile>>;
  readonly audio: SyntheticAudio;
  /** HTTP port of the MJPEG server, or null without `mjpeg`. */
  readonly mjpegPort: number | null;

  readonly #child: ChildProcess;
  readonly #stderrTail: string[];
  readonly #pending: Map<number, Pending>;
  readonly #options: SyntheticCameraOptions;
  #nextId = 1;
  #hasExited = false;
  #closing: Promise<void> | undefined;

  private constructor(
    child: ChildProcess,
    ready: Record<string, unknown>,
    pending: Map<number, Pending>,
    stderrTail: string[],
    options: SyntheticCameraOptions,
  ) {
    this.#child = child;
    this.#pending = pending;
    this.#stderrTail = stderrTail;
    this.#options = options;
    this.pid = child.pid;
    this.port = ready.port as number;
    this.cameras = Object.freeze([...(ready.cameras as string[])]);
    this.profiles = Object.freeze(ready.profiles as Record<ProfileName, SyntheticVideoProfile>);
    this.audio = ready.audio as SyntheticAudio;
    this.mjpegPort = (ready.mjpeg_port as number | null) ?? null;
    void child.exited.then(() => {
      this.#hasExited = true;
    });
  }

  /** Starts the server and resolves once it listens and every encoder has produced a keyframe. */
  static async start(options: SyntheticCameraOptions = {}): Promise<SyntheticCamera> {
    const script = findScript(options.scriptPath);
    const args = [
      script,
      '--host',
      '127.0.0.1',
      '--port',
      String(options.port ?? 0),
      '--main',
      videoArg(options.main, { width: 1280, height: 720, fps: 15, gop: 30 }),
      '--sub',
      videoArg(options.sub, { width: 640, height: 360, fps: 15, gop: 30 }),
      '--audio',
      options.audio ?? 'none',
      '--motion',
      options.motion === false ? 'off' : 'on',
      '--clock-text',
      options.clockText === false ? 'off' : 'on',
      '--encode',
      options.encode ?? 'shared',
    ];
    if (options.codecs?.main) args.push('--main-codec', options.codecs.main);
    if (options.codecs?.sub) args.push('--sub-codec', options.codecs.sub);
    if (options.mjpeg) args.push('--mjpeg', 'on');
    if (options.picture) args.push('--picture', options.picture);
    if (options.names?.length) args.push('--names', options.names.join(','));
    else args.push('--cameras', String(options.cameras ?? 1));
    if (options.main?.bitrateKbps) args.push('--main-bitrate', String(options.main.bitrateKbps));
    if (options.sub?.bitrateKbps) args.push('--sub-bitrate', String(options.sub.bitrateKbps));
    if (options.label) args.push('--label', options.label);
    if (options.readyTimeoutMs) args.push('--ready-timeout', String(options.readyTimeoutMs / 1000));

    // The pyenv on PATH has no GStreamer bindings and its variables must not leak into the system one.
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
    delete env.PYTHONHOME;
    delete env.PYTHONPATH;
    delete env.SYNTHETIC_CAMERA_USER;
    delete env.SYNTHETIC_CAMERA_PASSWORD;
    if (options.username !== undefined) {
      // Credentials go through the environment, not argv: arguments are visible in ps (FIELD-NOTES #12).
      env.SYNTHETIC_CAMERA_USER = options.username;
      env.SYNTHETIC_CAMERA_PASSWORD = options.password ?? '';
      args.push('--auth', options.authMethod ?? 'basic');
    }

    const stderrTail: string[] = [];
    const pending = new Map<number, Pending>();
    let onLine: (line: string) => void = () => {};
    const child = spawnChild({
      file: options.python ?? '/usr/bin/python3',
      args,
      env,
      stdin: 'pipe',
      killGraceMs: options.killGraceMs ?? 3_000,
      onStdout: lineSplitter((line) => onLine(line)),
      onStderr: lineSplitter((line) => {
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      }),
    });

    let onReady: (ev: Record<string, unknown>) => void = () => {};
    let onFatal: (err: Error) => void = () => {};
    const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
      onReady = resolve;
      onFatal = reject;
    });

    onLine = (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        stderrTail.push(`[stdout] ${line}`);
        return;
      }
      if (typeof msg.event === 'string') {
        options.onEvent?.(msg);
        if (msg.event === 'ready') onReady(msg);
        else if (msg.event === 'fatal') onFatal(new Error(`synthetic camera: ${String(msg.error)}`));
        return;
      }
      const id = typeof msg.id === 'number' ? msg.id : -1;
      const p = pending.get(id);
      if (!p) return;
      pending.delete(id);
      if (msg.ok === true) p.resolve(msg);
      else p.reject(new Error(`synthetic camera: ${String(msg.error ?? 'command failed')}`));
    };

    void child.exited.then((exit: ChildExit) => {
      const tail = stderrTail.slice(-10).join('\n');
      if (exit.spawnError) onFatal(new Error(`synthetic camera could not start: ${exit.spawnError}`));
      onFatal(new Error(`synthetic camera exited before ready (code ${exit.code}):\n${tail}`));
      for (const p of pending.values()) p.reject(new Error('synthetic camera exited'));
      pending.clear();
    });

    const timeoutMs = (options.readyTimeoutMs ?? 20_000) + 2_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`synthetic camera not ready after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const readyEvent = await Promise.race([ready, timeout]);
      return new SyntheticCamera(child, readyEvent, pending, stderrTail, options);
    } catch (err) {
      await child.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * rtsp://127.0.0.1:PORT/<camera>/<profile>; with credentials when asked (percent-encoded). With
   * `udpOnly` the mount that refuses RTSP over TCP (SETUP answers 461).
   */
  url(
    camera: string = this.cameras[0] as string,
    profile: ProfileName = 'main',
    credentials?: boolean | { username: string; password: string },
    udpOnly = false,
  ): string {
    let auth = '';
    const creds =
      credentials === true
        ? { username: this.#options.username ?? '', password: this.#options.password ?? '' }
        : credentials || undefined;
    if (creds) auth = `${encodeURIComponent(creds.username)}:${encodeURIComponent(creds.password)}@`;
    return `rtsp://${auth}127.0.0.1:${this.port}/${encodeURIComponent(camera)}/${profile}${udpOnly ? '-udp' : ''}`;
  }

  /** http://127.0.0.1:PORT/<camera>/<profile>.mjpeg (needs the `mjpeg` option). */
  mjpegUrl(camera: string = this.cameras[0] as string, profile: ProfileName = 'sub'): string {
    if (this.mjpegPort === null) throw new Error('synthetic camera started without mjpeg');
    return `http://127.0.0.1:${this.mjpegPort}/${encodeURIComponent(camera)}/${profile}.mjpeg`;
  }

  /** The camera's clock jumps (forward or back), optionally after a pause without media. */
  async jump(j: SyntheticJump): Promise<void> {
    await this.#command({
      cmd: 'jump',
      ms: j.ms,
      pause_ms: j.pauseMs ?? 0,
      at: j.at ?? 'now',
      after_frames: j.afterFrames ?? 10,
      camera: j.camera,
    });
  }

  /**
   * Without a camera: closes the listener (connections are refused) and resets every connection.
   * With a camera: unmounts it (its URLs answer 404) and resets its connections only.
   */
  async stop(camera?: string): Promise<void> {
    await this.#command({ cmd: 'stop', camera });
  }

  /** Brings cameras (all, or one) back on the same port, unfrozen and not corrupting. */
  async start(camera?: string): Promise<void> {
    await this.#command({ cmd: 'start', camera });
  }

  async restart(camera?: string): Promise<void> {
    await this.#command({ cmd: 'restart', camera });
  }

  /** Hung camera: sockets stay open and RTSP still answers, but no media is sent. */
  async freeze(camera?: string): Promise<void> {
    await this.#command({ cmd: 'freeze', camera });
  }

  async unfreeze(camera?: string): Promise<void> {
    await this.#command({ cmd: 'unfreeze', camera });
  }

  /** Sends damaged H.264 (slice bytes flipped) for `ms` milliseconds. */
  async corrupt(ms: number, camera?: string): Promise<void> {
    await this.#command({ cmd: 'corrupt', ms, camera });
  }

  /** Moving object on/off. With shared encodes this applies to every camera (they share the picture). */
  async setMotion(on: boolean, camera?: string): Promise<void> {
    await this.#command({ cmd: 'motion', on, camera });
  }

  async status(): Promise<SyntheticCameraStatus> {
    const reply = await this.#command({ cmd: 'status' });
    return reply.status as SyntheticCameraStatus;
  }

  /** The last lines the server wrote to stderr, for failure messages. */
  stderrTail(): string[] {
    return [...this.#stderrTail];
  }

  get exited(): boolean {
    return this.#hasExited;
  }

  /** Stops the server process (SIGTERM, then SIGKILL to its group after the grace) and awaits its exit. */
  close(): Promise<void> {
    this.#closing ??= this.#child.stop().then(() => undefined);
    return this.#closing;
  }

  #command(msg: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.#hasExited || this.#closing) return Promise.reject(new Error('synthetic camera is not running'));
    const id = this.#nextId++;
    const body = JSON.stringify({ ...msg, id });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`synthetic camera: no reply to ${String(msg.cmd)}`));
      }, 10_000);
      this.#pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.#child.stdin?.write(body + '\n');
    });
  }
}
