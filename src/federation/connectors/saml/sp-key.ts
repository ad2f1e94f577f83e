import { webcrypto } from 'node:crypto';

const ALGORITHM = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 3072 };
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

/** A fresh SP key pair and self-signed certificate (what SAML metadata publishes; its validity is not checked by IdPs). */
export async function generateSpKey(subject: string): Promise<{ certificate: string; privateKey: string }> {
  // Loaded when a SAML connection is made, not at start. @peculiar/x509 resolves its parts through
  // tsyringe, which needs the Reflect metadata API loaded first.
  await import('reflect-metadata');
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: webcrypto.getRandomValues(new Uint8Array(8)).reduce((s, b) => s + b.toString(16).padStart(2, '0'), '01'),
    name: `CN=${subject.replace(/[,=+<>#;"\\]/g, '_').slice(0, 60)}`,
    notBefore: new Date(),
    notAfter: new Date(Date.now() + TEN_YEARS_MS),
    keys: keys as never,
    signingAlgorithm: ALGORITHM,
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .match(/.{1,64}/g)!
    .join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { certificate: cert.toString('pem'), privateKey };
}
