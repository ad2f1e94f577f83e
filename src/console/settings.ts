/** Where the administration console lives, and the client it signs in as (registered by the admin API's roles). */
export const CONSOLE_PATH = '/console';
export const CONSOLE_CLIENT_ID = 'idp-console';
export const CONSOLE_SCOPE = 'openid admin';
/** The operators' own tenant, where support staff accounts live (see `idp operator bootstrap`). */
export const OPERATORS_TENANT_SLUG = 'operators';
