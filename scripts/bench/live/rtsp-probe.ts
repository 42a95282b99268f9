/**
 * Is an RTSP path being served? One DESCRIBE over TCP; true on "200". Used to wait for a relay (MediaMTX
 * pulling its source) before Lookout is pointed at it.
 */
import { connect } from 'node:net';

export function rtspAnswers(host: string, port: number, path: string, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    let buf = '';
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.on('connect', () =>
      s.write(
        `DESCRIBE rtsp://${host}:${port}/${path} RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n`,
      ),
    );
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n')) {
        clearTimeout(t);
        done(/^RTSP\/1\.0 200/.test(buf));
      }
    });
    s.on('error', () => {
      clearTimeout(t);
      done(false);
    });
  });
}
