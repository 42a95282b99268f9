/**
 * A camera's `backchannel` block and the top-level `talk:` section (two-way audio,
 * addon/src/talkback/). The schema has checked types and ranges; this reads the values with
 * provenance, encodes the camera's credentials into an own `url` and honours a `#mix` / `#noMix`
 * fragment on it (go2rtc's flag, parsed as a parameter, not found by substring).
 */
import type { BackchannelSettings, Credentials, TalkSettings } from '../contracts/config.js';
import type { ProfileName } from '../contracts/stream-key.js';
import { mixFlag, splitFragment } from './fragment.js';
import { isBool, isNumber, isString, ok, type Checker, type RawMap } from './check.js';
import { child, ValueError } from './errors.js';
import type { ProvenanceLog } from './provenance.js';
import { buildFromUrl, toDisplayUrl } from './source-url.js';

export const BUILT_IN_BACKCHANNEL: Readonly<BackchannelSettings> = Object.freeze({
  enabled: true,
  mix: false,
  via: 'rtsp',
  profile: 'main',
  url: null,
  maxTalkers: 4,
});

export const BUILT_IN_TALK: Readonly<TalkSettings> = Object.freeze({ mediaDir: null, maxTalkers: 16 });

export function readBackchannel(
  raw: RawMap,
  base: string,
  label: string,
  credentials: Credentials | null,
  ck: Checker,
  prov: ProvenanceLog,
): BackchannelSettings {
  const block = ck.map(raw, 'backchannel', base);
  const b = ok(block) ? block : undefined;
  const bbase = child(base, 'backchannel');
  const enabled = ck.read(b, 'enabled', bbase, isBool);
  const mix = ck.read(b, 'mix', bbase, isBool);
  const via = ck.read(b, 'via', bbase, (v): v is 'rtsp' | 'vendor' => v === 'rtsp' || v === 'vendor');
  const profile = ck.read(b, 'profile', bbase, (v): v is ProfileName => v === 'main' || v === 'sub');
  const max = ck.read(b, 'max_talkers', bbase, isNumber);
  const rawUrl = ck.read(b, 'url', bbase, isString);
  let url: string | null = null;
  let fragmentMix: boolean | null = null;
  if (ok(rawUrl)) {
    const { url: bare, params } = splitFragment(rawUrl);
    fragmentMix = mixFlag(params);
    try {
      url = buildFromUrl(bare, credentials).sourceUrl;
      prov.add('backchannel.url', toDisplayUrl(url), 'camera', child(bbase, 'url'));
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      ck.add(child(bbase, 'url'), `${label}: backchannel url ${err.message}`);
    }
  }
  const d = BUILT_IN_BACKCHANNEL;
  const out: BackchannelSettings = {
    enabled: ok(enabled) ? enabled : d.enabled,
    // An explicit `mix:` wins over the URL's fragment.
    mix: ok(mix) ? mix : (fragmentMix ?? d.mix),
    via: ok(via) ? via : d.via,
    profile: ok(profile) ? profile : d.profile,
    url,
    maxTalkers: ok(max) ? max : d.maxTalkers,
  };
  const mixSource = ok(mix) ? mix : fragmentMix !== null ? fragmentMix : undefined;
  prov.fileOr('backchannel.mix', mixSource, child(bbase, ok(mix) ? 'mix' : 'url'), d.mix, 'built-in default');
  prov.fileOr('backchannel.via', ok(via) ? via : undefined, child(bbase, 'via'), d.via, 'built-in default');
  return out;
}

export function resolveTalk(root: RawMap, baseDir: string, ck: Checker): TalkSettings {
  const block = ck.map(root, 'talk', '');
  const b = ok(block) ? block : undefined;
  const dir = ck.read(b, 'media_dir', '/talk', isString);
  const max = ck.read(b, 'max_talkers', '/talk', isNumber);
  return {
    mediaDir: ok(dir) ? (dir.startsWith('/') ? dir : `${baseDir}/${dir}`) : BUILT_IN_TALK.mediaDir,
    maxTalkers: ok(max) ? max : BUILT_IN_TALK.maxTalkers,
  };
}
