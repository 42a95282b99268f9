/**
 * Loopback HTTP server with Digest auth (MD5, qop=auth, RFC 7616), standing in for a Dahua/Amcrest
 * camera's CGI. Verifies the response hash for real; records every authenticated request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DigestServer {
  baseUrl: string;
  /** Authenticated requests, path + query. */
  requests: string[];
  /** Requests refused with 401 after a wrong answer. */
  refused: number;
  close(): Promise<void>;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** The server half of Digest: issues challenges and checks answers for one user. */
export interface DigestVerifier {
  /** A `WWW-Authenticate` value with a fresh nonce. */
  challenge(): string;
  /** Whether `header` (an Authorization value) answers one of our nonces for this request. */
  verify(method: string, url: string, header: string): boolean;
}

export function digestVerifier(user: string, pass: string, realm = 'Login to 4J0123456'): DigestVerifier {
  const nonces = new Set<string>();
  return {
    challenge() {
      const nonce = randomBytes(12).toString('hex');
      nonces.add(nonce);
      return `Digest realm="${realm}", qop="auth", nonce="${nonce}", opaque="x1"`;
    },
    verify(method, url, header) {
      const f: Record<string, string> = {};
      for (const m of header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g)) f[m[1]!] = m[2] ?? m[3] ?? '';
      const expected =
        f.nonce && nonces.has(f.nonce)
          ? md5(
              `${md5(`${user}:${realm}:${pass}`)}:${f.nonce}:${f.nc}:${f.cnonce}:${f.qop}:${md5(`${method}:${f.uri}`)}`,
            )
          : null;
      return header.startsWith('Digest ') && f.username === user && f.uri === url && f.response === expected;
    },
  };
}

/**
 * Answers an authenticated request itself (a vendor endpoint other than ptz.cgi); return false to
 * leave it to the default answer.
 */
export type DigestHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export async function startDigestServer(
  user: string,
  pass: string,
  realm = 'Login to 4J0123456',
  handler?: DigestHandler,
): Promise<DigestServer> {
  const digest = digestVerifier(user, pass, realm);
  const state: DigestServer = { baseUrl: '', requests: [], refused: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const header = req.headers.authorization ?? '';
    if (!digest.verify(req.method ?? '', req.url ?? '', header)) {
      if (header) state.refused++;
      res.writeHead(401, { 'www-authenticate': digest.challenge() });
      res.end('Error\r\nUnauthorized\r\n');
      return;
    }
    state.requests.push(req.url ?? '');
    if (handler?.(req, res)) return;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(req.url?.startsWith('/cgi-bin/ptz.cgi') ? 'OK\r\n' : 'Error\r\nBad Request!\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}
