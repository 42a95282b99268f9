/**
 * The TLS listener's key and certificate: given files, or a self-signed pair made once by the
 * `openssl` CLI into `<dataDir>/tls/` and reused after (Node has no X.509 generator, and the browser
 * only needs the certificate accepted once). The listener exists for HTTP/2, so a grid of LL-HLS tiles
 * is not throttled by the browser's 6 connections per host over HTTP/1.1.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { describeExit, runChild } from '../../lib/child-process.js';
import type { TlsMaterial } from './app.js';

export interface TlsFiles {
  keyFile: string;
  certFile: string;
}

export async function loadOrCreateCertificate(
  dataDir: string,
  files?: TlsFiles,
  openssl = 'openssl',
): Promise<TlsMaterial & { generated: boolean; certFile: string }> {
  if (files) {
    return {
      key: await readFile(files.keyFile),
      cert: await readFile(files.certFile),
      generated: false,
      certFile: files.certFile,
    };
  }
  const dir = join(dataDir, 'tls');
  const keyFile = join(dir, 'lookout.key');
  const certFile = join(dir, 'lookout.crt');
  let generated = false;
  if (!existsSync(keyFile) || !existsSync(certFile)) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Written beside and renamed: a crash mid-way never leaves a key without its certificate.
    const tmpKey = `${keyFile}.${process.pid}.tmp`;
    const tmpCert = `${certFile}.${process.pid}.tmp`;
    const res = await runChild({
      file: openssl,
      args: [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        tmpKey,
        '-out',
        tmpCert,
        '-days',
        '3650',
        '-subj',
        '/CN=Lookout',
        '-addext',
        'subjectAltName=DNS:localhost,DNS:homeassistant.local,IP:127.0.0.1,IP:::1',
      ],
      timeoutMs: 30_000,
    });
    if (res.code !== 0) {
      throw new Error(
        `openssl could not make the TLS certificate (${describeExit(res)}): ${res.stderrTail.trim()}`,
      );
    }
    await rename(tmpKey, keyFile);
    await rename(tmpCert, certFile);
    generated = true;
  }
  return { key: await readFile(keyFile), cert: await readFile(certFile), generated, certFile };
}
