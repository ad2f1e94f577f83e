import type { Tenant } from '../../tenants/types.js';
import type { Connection, UpstreamIdentity } from '../types.js';

/** What the browser brought back from the upstream: the callback's query, or the fields it posted. */
export interface UpstreamAnswer {
  query: Record<string, string>;
  form: Record<string, string>;
}

export interface StartRequest {
  /** Our URL the upstream sends the browser back to (OIDC redirect URI, SAML ACS, GrandID callback). */
  returnUrl: string;
  hint: { email?: string };
}

export interface Started {
  /** Where the browser goes now. */
  url: string;
  /** When set, the browser posts these fields to url (a form page) instead of following a redirect. */
  form?: Record<string, string>;
  /**
   * The key the upstream's answer comes back with (OIDC state, SAML request id, GrandID session):
   * stored so that any node can tie the answer to this sign-in, and spent on first use.
   */
  correlation: string;
  /** What finish checks the answer against; kept in this sign-in's flow, never shown to the browser. */
  pending: Record<string, string>;
}

/**
 * One upstream protocol. start sends the browser upstream; finish turns its answer into a
 * verified identity or throws FederationRefusal with a stable reason. Adding a kind is adding
 * one of these (in its own folder) and registering it in connectors/index.ts.
 */
export interface Connector<C extends Connection = Connection> {
  start(connection: C, request: StartRequest): Promise<Started>;
  finish(connection: C, tenant: Tenant, answer: UpstreamAnswer, pending: Record<string, string>): Promise<UpstreamIdentity>;
  /** Ends the person's session at the upstream (UpstreamIdentity.brokerSession), where the kind has one to end. */
  endSession?(connection: C, session: string): Promise<void>;
}
