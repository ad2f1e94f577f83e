/** Where the administration console lives, and the client it signs in as (registered with the provider). */
export { CONSOLE_CLIENT_ID, CONSOLE_PATH } from '../oidc/console-client.js';
export const CONSOLE_SCOPE = 'openid admin';
/** The operators' own tenant, where support staff accounts live (see `idp operator bootstrap`). */
export const OPERATORS_TENANT_SLUG = 'operators';
/** The language a person chose in the console (a preference only: sv or en). */
export const LANGUAGE_COOKIE = 'idp_console_lang';
