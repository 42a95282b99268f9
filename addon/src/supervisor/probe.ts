/**
 * Cheap reachability probe used while a stream is down (FIELD-NOTES #3): instead of spawning FFmpeg
 * in a loop, send one RTSP OPTIONS request (or just connect, for other TCP schemes) every few
 * seconds. Any RTSP answer, even 401, means the camera is back.
 */
import { connect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export type ProbeResult = 'up' | 'down' | 'unknown';

const DEFAULT_PORTS: Record<string, number> = { rtsp: 554, rtsps: 322, http: 80, https: 443, rtmp: 1935 };

export async function probeSource(url: string, timeoutMs = 2000): Promise<ProbeResult> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'unknown';
  }
  const scheme = parsed.protocol.replace(':', '');
  // Only TCP schemes can be probed cheaply; srt is UDP and file has no peer: the backoff timer decides.
  const defaultPort = DEFAULT_PORTS[scheme];
  if (defaultPort === undefined) return 'unknown';
  const port = parsed.port ? Number(parsed.port) : defaultPort;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  const isRtsp = scheme === 'rtsp' || scheme === 'rtsps';
  const useTls = scheme === 'rtsps' || scheme === 'https';

  return new Promise<ProbeResult>((resolve) => {
    let done = false;
    const socket: Socket = useTls
      ? tlsConnect({ host, port, rejectUnauthorized: false, servername: host })
      : connect({ host, port });
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish('down'), timeoutMs);
    socket.once(useTls ? 'secureConnect' : 'connect', () => {
      if (!isRtsp) return finish('up');
      // Request-URI without credentials: OPTIONS needs no auth on any camera we know.
      const target = `${scheme}://${parsed.host}${parsed.pathname}`;
      socket.write(`OPTIONS ${target} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: lookout-probe\r\n\r\n`);
    });
    socket.on('data', (d: Buffer) => finish(d.toString('latin1', 0, 9).startsWith('RTSP/') ? 'up' : 'down'));
    socket.once('error', () => finish('down'));
    socket.once('close', () => finish('down'));
  });
}
