/**
 * Picks the sink for a camera (`backchannel.via`): the ONVIF RTSP backchannel by default, or the
 * vendor's HTTP talkback (vendors/<brand>/talkback.ts via VendorDefinition.talkback).
 */
import type { BackchannelSettings, ResolvedCamera } from '../contracts/config.js';
import { BUILT_IN_BACKCHANNEL } from '../config/backchannel.js';
import { mixFlag, splitFragment } from '../config/fragment.js';
import { VENDOR_REGISTRY } from '../vendors/registry.js';
import { vendorEndpoint } from '../vendors/types.js';
import { RtspBackchannelSink } from './rtsp/sink.js';
import { TalkSinkError, type TalkSink } from './sink.js';

export function backchannelSettings(camera: ResolvedCamera): BackchannelSettings {
  const b = camera.backchannel ?? BUILT_IN_BACKCHANNEL;
  if (camera.backchannel?.url || !camera.profiles[b.profile]) return b;
  // go2rtc's `#mix` on the camera's own URL counts too (an explicit `mix:` was already applied).
  const flag = mixFlag(splitFragment(camera.profiles[b.profile]!.sourceUrl).params);
  return flag === null ? b : { ...b, mix: flag };
}

/** SECRET: the RTSP URL (with credentials) the backchannel session uses, without `#` params. */
export function backchannelUrl(camera: ResolvedCamera): string {
  const b = backchannelSettings(camera);
  const url = b.url ?? camera.profiles[b.profile]?.sourceUrl ?? null;
  if (!url || !/^rtsps?:\/\//i.test(url))
    throw new TalkSinkError(
      'unsupported',
      `camera "${camera.id}" has no RTSP URL for a backchannel (set backchannel.url)`,
    );
  return splitFragment(url).url;
}

export function sinkFor(camera: ResolvedCamera): TalkSink {
  const b = backchannelSettings(camera);
  if (!b.enabled)
    throw new TalkSinkError('unsupported', `talkback is off for camera "${camera.id}" (backchannel.enabled)`);
  if (b.via === 'vendor') {
    const make = VENDOR_REGISTRY[camera.vendor].talkback;
    const endpoint = vendorEndpoint(camera);
    if (!make)
      throw new TalkSinkError(
        'unsupported',
        `vendor "${camera.vendor}" has no HTTP talkback; use backchannel.via: rtsp`,
      );
    if (!endpoint)
      throw new TalkSinkError(
        'unsupported',
        `camera "${camera.id}" needs host and credentials for vendor talkback`,
      );
    return make(endpoint);
  }
  return new RtspBackchannelSink({ url: backchannelUrl(camera) });
}
