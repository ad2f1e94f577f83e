// oidc-provider has no public API to replace its signing keys; see src/keys/live-keys.ts.
declare module 'oidc-provider/lib/helpers/initialize_keystore.js' {
  export default function initializeKeystore(this: object, jwks: { keys: unknown[] }): void;
}
