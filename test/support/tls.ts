// A self-signed certificate for 127.0.0.1 (openssl), for test servers that speak HTTPS.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes `<prefix>key.pem` and `<prefix>cert.pem` into `dir`; the certificate is its own CA (trust it by file). */
export function selfSignedCert(dir: string, prefix = ''): { key: string; cert: string } {
  const key = join(dir, `${prefix}key.pem`);
  const cert = join(dir, `${prefix}cert.pem`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2'].concat([
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]),
    { stdio: 'ignore' },
  );
  return { key, cert };
}
