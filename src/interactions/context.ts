import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Locale } from '../i18n/messages.js';
import type { Tenant } from '../tenants/types.js';
import type { LoginFlow } from './flow.js';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** What the interaction steps put on ctx.state for the ones after them. */
export interface InteractionState {
  interaction: Interaction;
  flow: LoginFlow;
  locale: Locale;
  client: { clientId: string; name: string; firstParty: boolean; tenantIds: string[]; redirectOrigin: string | null };
  /** The tenant the authorization request named with `tenant=`, if any. */
  requestedTenant: Tenant | null;
  form: Record<string, string>;
}

export type InteractionContext = Context & { state: InteractionState; params: { uid: string } };
