/**
 * Minimal HTTP client with Digest authentication (RFC 7616 MD5/SHA-256, qop=auth), for vendor CGI
 * APIs (Dahua/Amcrest) that refuse Basic. One unauthenticated request fetches the challenge; the
 * retry answers it. Passwords go into the hash only, never into URLs or errors.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';

export interface DigestRequest {
  url: string;
  username: string;
  password: string;
  method?: string;
  timeoutMs?: number;
  /** Default MAX_DIGEST_BODY_BYTES. */
  maxBodyBytes?: number;
}

/**
 * A CGI answer is a few lines of key=value text; a camera (or something pretending to be one) that
 * sends more is cut off rather than buffered without end.
 */
export const MAX_DIGEST_BODY_BYTES = 256 * 1024;
/** Answers refused for exceeding MAX_DIGEST_BODY_BYTES (counted in /metrics). */
export const digestStats = { oversizedBodies: 0 };

export interface DigestResponse {
  status: number;
  body: string;
}

interface Challenge {
  realm: string;
  nonce: string;
  qop?: string;
  opaque?: string;
  algorithm?: string;
}

export function parseChallenge(header: string): Challenge | null {
  if (!/^\s*Digest\s/i.test(header)) return null;
  const out: Record<string, string> = {};
  for (const m of header.matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g))
    out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  if (out.realm === undefined || !out.nonce) return null;
  return { realm: out.realm, nonce: out.nonce, qop: out.qop, opaque: out.opaque, algorithm: out.algorithm };
}

export function authorization(
  c: Challenge,
  method: string,
  uri: string,
  user: string,
  pass: string,
  cnonce: string,
  nc = 1,
): string {
  const algo = (c.algorithm ?? 'MD5').toUpperCase().startsWith('SHA-256') ? 'sha256' : 'md5';
  const h = (s: string) => createHash(algo).update(s).digest('hex');
  const ha1 = h(`${user}:${c.realm}:${pass}`);
  const ha2 = h(`${method}:${uri}`);
  const ncHex = nc.toString(16).padStart(8, '0');
  const qop = c.qop
    ?.split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : undefined;
  const response = qop
    ? h(`${ha1}:${c.nonce}:${ncHex}:${cnonce}:${qop}:${ha2}`)
    : h(`${ha1}:${c.nonce}:${ha2}`);
  const parts = [
    `username="${user}"`,
    `realm="${c.realm}"`,
    `nonce="${c.nonce}"`,
    `uri="${uri}"`,
    `response="${response}"`,
    ...(c.algorithm ? [`algorithm=${c.algorithm}`] : []),
    ...(c.opaque !== undefined ? [`opaque="${c.opaque}"`] : []),
    ...(qop ? [`qop=${qop}`, `nc=${ncHex}`, `cnonce="${cnonce}"`] : []),
  ];
  return `Digest ${parts.join(', ')}`;
}

function once(
  url: URL,
  method: string,
  timeoutMs: number,
  maxBodyBytes: number,
  auth?: string,
): Promise<DigestResponse & { challenge?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, agent: false, timeout: timeoutMs, headers: auth ? { authorization: auth } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size > maxBodyBytes) return; // already cut off
          size += c.length;
          if (size > maxBodyBytes) {
            digestStats.oversizedBodies += 1;
            req.destroy(new Error(`the camera's answer is larger than ${maxBodyBytes} bytes; not read`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => {
          const www = res.headers['www-authenticate'];
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            challenge: Array.isArray(www) ? www.find((w) => /digest/i.test(w)) : www,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function digestRequest(r: DigestRequest): Promise<DigestResponse> {
  const url = new URL(r.url);
  const method = r.method ?? 'GET';
  const timeoutMs = r.timeoutMs ?? 5000;
  const maxBody = r.maxBodyBytes ?? MAX_DIGEST_BODY_BYTES;
  const first = await once(url, method, timeoutMs, maxBody);
  if (first.status !== 401) return { status: first.status, body: first.body };
  const challenge = first.challenge ? parseChallenge(first.challenge) : null;
  if (!challenge) return { status: 401, body: first.body };
  const auth = authorization(
    challenge,
    method,
    `${url.pathname}${url.search}`,
    r.username,
    r.password,
    randomBytes(8).toString('hex'),
  );
  const second = await once(url, method, timeoutMs, maxBody, auth);
  return { status: second.status, body: second.body };
}

/**
 * Asks for a Digest challenge without sending anything worth answering (an empty request), for
 * clients that must send the authorised request themselves: a never-ending talkback upload or a raw
 * socket. `status` is what the server said to the empty request (401 with a challenge normally).
 */
export async function digestChallenge(
  url: string,
  method: string,
  timeoutMs = 5000,
): Promise<{ status: number; challenge: Challenge | null }> {
  // The answer to an empty request is a short error page: 16 KiB is plenty.
  const first = await once(new URL(url), method, timeoutMs, 16 * 1024);
  return { status: first.status, challenge: first.challenge ? parseChallenge(first.challenge) : null };
}

/** The Authorization header for one request answering `challenge` (fresh cnonce, nc=1). */
export function digestAuthorization(
  challenge: Challenge,
  method: string,
  url: string,
  username: string,
  password: string,
): string {
  const u = new URL(url);
  return authorization(
    challenge,
    method,
    `${u.pathname}${u.search}`,
    username,
    password,
    randomBytes(8).toString('hex'),
  );
}

export type DigestChallenge = Challenge;
