import { createRequire } from 'node:module';

type Decrypt = (
  xml: string,
  options: { key: string; disallowDecryptionWithInsecureAlgorithm: boolean; warnInsecureAlgorithm: boolean },
  done: (error: Error | null, result?: string) => void,
) => void;
const load = createRequire(import.meta.url);

/**
 * Opens an EncryptedAssertion with our SP decryption key. RSA v1.5 key transport and 3DES are
 * refused (RSA v1.5 falls to padding-oracle attacks): RSA-OAEP with AES-CBC or AES-GCM only.
 */
export function decryptAssertion(encryptedXml: string, privateKey: string): Promise<string> {
  const { decrypt } = load('xml-encryption') as { decrypt: Decrypt };
  return new Promise((resolve, reject) => {
    decrypt(
      encryptedXml,
      { key: privateKey, disallowDecryptionWithInsecureAlgorithm: true, warnInsecureAlgorithm: false },
      (error, result) => (error || typeof result !== 'string' ? reject(error ?? new Error('nothing decrypted')) : resolve(result)),
    );
  });
}
