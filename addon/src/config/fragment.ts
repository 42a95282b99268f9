/**
 * `#`-parameters on a source URL, parsed as parameters (go2rtc's PR found `#mix` with a substring
 * test, so a password or path containing "mix" switched mixing on). `rtsp://cam/s#mix#backchannel=0`
 * gives { mix: '', backchannel: '0' }; the URL without its fragment is what the camera sees.
 */
export interface FragmentParams {
  url: string;
  params: Map<string, string>;
}

export function splitFragment(url: string): FragmentParams {
  const at = url.indexOf('#');
  const params = new Map<string, string>();
  if (at < 0) return { url, params };
  for (const part of url.slice(at + 1).split('#')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    params.set(key, eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1)));
  }
  return { url: url.slice(0, at), params };
}

/** `#mix` / `#mix=1|true` → true, `#noMix` / `#mix=0|false` → false, neither → null. */
export function mixFlag(params: Map<string, string>): boolean | null {
  if (params.has('nomix')) return false;
  const v = params.get('mix');
  if (v === undefined) return null;
  return !['0', 'false', 'off', 'no'].includes(v.toLowerCase());
}
