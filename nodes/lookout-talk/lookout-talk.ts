/**
 * lookout-talk: plays audio to a camera's speaker (two-way audio) through Lookout's MQTT `talk`
 * command, the same contract as `POST /api/talk/:camera/play` (TalkPlayBody): a URL in msg.payload
 * (HA's TTS gives one, or a file under Lookout's media folder), or the audio itself as a Buffer (a
 * WAV, MP3, … anything FFmpeg reads), sent base64 in the command. Lookout answers when playback has
 * ended: msg.payload "done" with msg.durationMs goes out; a failure (busy speaker, a camera without
 * a backchannel, an unreadable file) goes to done(err) for Catch nodes.
 */
import type { TalkCommand } from '../../addon/src/contracts/mqtt.js';
import {
  TALK_PLAY_MAX_BYTES,
  TALK_PLAY_MAX_URL,
  TALK_VOLUME,
  isTalkSource,
} from '../../addon/src/contracts/talk.js';
import {
  answerError,
  numberOf,
  payloadObject,
  setupCameraNode,
  type CameraNodeDef,
} from '../lib/camera-node.js';
import type { Node, NodeAPI, NodeMessage } from '../lib/red.js';

interface TalkDef extends CameraNodeDef {
  /** Used when msg.payload carries no audio (an inject node's timestamp): a chime URL, say. */
  url?: string;
  volume?: number | string;
  /** Longest wait for Lookout's answer, seconds. */
  timeout?: number | string;
}

/** The talk command for one message; throws (→ done(err)) for unusable input. */
export function talkRequest(def: TalkDef, msg: NodeMessage): TalkCommand {
  const obj = payloadObject(msg);
  const p = msg.payload;
  const volume = numberOf(msg.volume ?? obj.volume) ?? numberOf(def.volume);
  if (volume !== undefined && !(volume >= TALK_VOLUME.min && volume <= TALK_VOLUME.max))
    throw new Error(`volume must be a number from ${TALK_VOLUME.min} to ${TALK_VOLUME.max}`);
  const vol = volume === undefined || volume === 1 ? {} : { volume };
  if (Buffer.isBuffer(p)) {
    if (p.length === 0) throw new Error('msg.payload is an empty Buffer');
    if (p.length > TALK_PLAY_MAX_BYTES)
      throw new Error(
        `audio of ${p.length} bytes is over the ${TALK_PLAY_MAX_BYTES}-byte limit; give Lookout a URL instead`,
      );
    return { data: p.toString('base64'), ...vol };
  }
  // A string payload is what to play; anything else (an inject timestamp) plays the node's URL.
  const given = typeof p === 'string' ? p.trim() : typeof obj.url === 'string' ? obj.url.trim() : '';
  const url = given || (def.url?.trim() ?? '');
  if (!url)
    throw new Error('nothing to play: send a Buffer or a URL in msg.payload, or set a URL in the node');
  if (url.length > TALK_PLAY_MAX_URL) throw new Error(`URL longer than ${TALK_PLAY_MAX_URL} characters`);
  if (!isTalkSource(url)) throw new Error(`not an http(s) URL or a media file name: "${url.slice(0, 60)}"`);
  return { url, ...vol };
}

export default function register(RED: NodeAPI): void {
  function LookoutTalk(this: Node, def: TalkDef): void {
    RED.nodes.createNode(this, def);
    const cam = setupCameraNode(RED, this, def, 'lookout-talk');
    if (!cam) return;
    let closed = false;

    this.on('input', (msg: NodeMessage, send, done) => {
      let camera: string;
      let args: TalkCommand;
      let timeoutMs: number;
      try {
        camera = cam.cameraFor(msg);
        args = talkRequest(def, msg);
        const s = numberOf(msg.timeout) ?? numberOf(def.timeout) ?? 300;
        if (!(s >= 1 && s <= 3600)) throw new Error('timeout must be 1 to 3600 seconds');
        timeoutMs = Math.round(s * 1000);
      } catch (err) {
        done(err as Error);
        return;
      }
      void cam.conn.request(camera, 'talk', { ...args }, timeoutMs).then((answer) => {
        if (closed) return done();
        if (!answer.ok) return done(answerError(camera, 'talk', answer));
        msg.camera = camera;
        msg.topic = 'talk';
        msg.payload = 'done';
        msg.durationMs = answer.durationMs;
        msg.talker = answer.talker;
        send(msg);
        done();
      });
    });

    this.on('close', (_removed, done) => {
      closed = true;
      void cam.conn.deregister(cam.user).finally(done);
    });
  }
  RED.nodes.registerType('lookout-talk', LookoutTalk);
}
