import type { AccountRepository } from '../accounts/repository.js';
import { ConflictError } from '../errors.js';
import { newAccount, normalizeEmail, type Account } from '../accounts/types.js';
import type { Tenant } from '../tenants/types.js';
import { FederationRefusal, type Connection, type UpstreamIdentity } from './types.js';

export type Resolution = 'linked' | 'link_created' | 'created';

/**
 * Finds the account an upstream identity signs in to: by its link (connection, subject), or
 * on first sign-in as the connection says: link to the account with the same verified e-mail,
 * create one just in time, or refuse.
 */
export class FederatedSignIn {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async resolve(connection: Connection, tenant: Tenant, identity: UpstreamIdentity): Promise<{ account: Account; resolution: Resolution }> {
    const linked = await this.accounts.findByIdentity(connection.id, identity.subject);
    if (linked) {
      if (linked.tenantId !== connection.tenantId) throw new FederationRefusal('identity_in_other_tenant');
      return { account: linked, resolution: 'linked' };
    }
    // GrandID: only an identity already tied to an account signs in (the broker gives no e-mail to link or create by).
    if (connection.kind === 'grandid')
      throw new FederationRefusal(connection.firstSignIn === 'refuse' ? 'identity_not_linked' : 'no_matching_account');
    if (identity.email === null) throw new FederationRefusal('no_email');
    if (connection.firstSignIn === 'refuse') throw new FederationRefusal('identity_not_linked');
    if (!identity.emailVerified) throw new FederationRefusal('email_not_verified');

    const existing = await this.accounts.findByEmail(tenant.id, normalizeEmail(identity.email));
    if (existing && (existing.state === 'disabled' || existing.state === 'locked')) throw new FederationRefusal('account_not_active');
    if (existing) return { account: await this.link(existing, connection, identity), resolution: 'link_created' };
    if (connection.firstSignIn !== 'create') throw new FederationRefusal('no_matching_account');
    try {
      return { account: await this.create(connection, tenant, identity), resolution: 'created' };
    } catch (error) {
      // Two first sign-ins raced: the other one created the account; link to it instead.
      if (error instanceof ConflictError) return this.resolve(connection, tenant, identity);
      throw error;
    }
  }

  private async link(account: Account, connection: Connection, identity: UpstreamIdentity): Promise<Account> {
    const at = this.clock().toISOString();
    let other = false;
    const result = await this.accounts
      .update(account.id, (current) => {
        other = current.identities.some((i) => i.connectionId === connection.id);
        if (other) return null;
        return {
          ...current,
          // An account an administrator created (invited) is taken into use by its first federated sign-in.
          state: current.state === 'invited' ? 'active' : current.state,
          identities: [...current.identities, { connectionId: connection.id, subject: identity.subject, linkedAt: at }],
          updatedAt: at,
        };
      })
      .catch((error: unknown) => {
        if (error instanceof ConflictError) throw new FederationRefusal('identity_linked_elsewhere');
        throw error;
      });
    if (other) throw new FederationRefusal('account_linked_to_another_identity');
    if (!result) throw new FederationRefusal('no_matching_account');
    return result.after;
  }

  private async create(connection: Connection, tenant: Tenant, identity: UpstreamIdentity): Promise<Account> {
    const now = this.clock().toISOString();
    const account = newAccount(
      {
        tenantId: tenant.id,
        email: identity.email!,
        name: identity.name,
        state: 'active',
        identities: [{ connectionId: connection.id, subject: identity.subject, linkedAt: now }],
      },
      now,
    );
    await this.accounts.insert(account);
    return account;
  }
}
