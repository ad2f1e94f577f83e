import type { AccountRepository } from '../accounts/repository.js';
import { ConflictError } from '../errors.js';
import { newId } from '../ids.js';
import { newAccount, normalizeEmail, type Account } from '../accounts/types.js';
import { parsePersonalNumber } from '../accounts/personal-number.js';
import type { PersonalNumbers } from '../accounts/personal-numbers.js';
import type { Tenant } from '../tenants/types.js';
import { FederationRefusal, type Connection, type GrandidConnection, type UpstreamIdentity } from './types.js';

export type Resolution = 'linked' | 'link_created' | 'created';

/**
 * Finds the account an upstream identity signs in to: by its link (connection, subject), or
 * on first sign-in as the connection says: link to the account with the same verified e-mail
 * (GrandID: with the same personnummer), create one just in time, or refuse.
 */
export class FederatedSignIn {
  constructor(
    private readonly accounts: AccountRepository,
    private readonly personalNumbers: PersonalNumbers,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async resolve(connection: Connection, tenant: Tenant, identity: UpstreamIdentity): Promise<{ account: Account; resolution: Resolution }> {
    if (connection.kind === 'grandid') return this.resolveByPersonalNumber(connection, tenant, identity);
    const linked = await this.accounts.findByIdentity(connection.id, identity.subject);
    if (linked) {
      if (linked.tenantId !== connection.tenantId) throw new FederationRefusal('identity_in_other_tenant');
      return { account: linked, resolution: 'linked' };
    }
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

  /**
   * GrandID: the personnummer an administrator tied to an account decides, by its keyed hash.
   * A link counts only while its account still carries the number (an administrator may have
   * changed or removed it since); a link that no longer does is removed, and the sign-in goes on
   * as a first one. An account made here has no e-mail address, only the broker's name.
   */
  private async resolveByPersonalNumber(
    connection: GrandidConnection,
    tenant: Tenant,
    identity: UpstreamIdentity,
    retried = false,
  ): Promise<{ account: Account; resolution: Resolution }> {
    const parsed = parsePersonalNumber(identity.personalNumber ?? '');
    if (!parsed.ok) throw new FederationRefusal('invalid_personal_number', parsed.reason);
    const holder = await this.accounts.findByPersonalNumber(tenant.id, await this.personalNumbers.hashOf(tenant.id, parsed.value));
    const linked = await this.accounts.findByIdentity(connection.id, identity.subject);
    if (linked && holder && linked.id === holder.id) return { account: linked, resolution: 'linked' };
    if (linked) await this.unlink(linked.id, connection.id, identity.subject);
    if (connection.firstSignIn === 'refuse') throw new FederationRefusal('identity_not_linked');
    if (holder) {
      if (holder.state === 'disabled' || holder.state === 'locked') throw new FederationRefusal('account_not_active');
      return { account: await this.link(holder, connection, identity, true), resolution: 'link_created' };
    }
    if (connection.firstSignIn !== 'create') throw new FederationRefusal('no_matching_account');
    const now = this.clock().toISOString();
    const id = newId();
    const account = newAccount(
      {
        id,
        tenantId: tenant.id,
        email: null,
        name: identity.name,
        state: 'active',
        personalNumber: await this.personalNumbers.protect(tenant.id, id, parsed.value),
        identities: [{ connectionId: connection.id, subject: identity.subject, linkedAt: now }],
      },
      now,
    );
    try {
      await this.accounts.insert(account);
    } catch (error) {
      // Two first sign-ins of one person raced: the other one created the account; sign in to it.
      if (error instanceof ConflictError && !retried) return this.resolveByPersonalNumber(connection, tenant, identity, true);
      throw error;
    }
    return { account, resolution: 'created' };
  }

  private async unlink(accountId: string, connectionId: string, subject: string): Promise<void> {
    await this.accounts.update(accountId, (current) => ({
      ...current,
      identities: current.identities.filter((i) => i.connectionId !== connectionId || i.subject !== subject),
      updatedAt: this.clock().toISOString(),
    }));
  }

  /**
   * Links the identity to the account. `replace`: an earlier link of the same connection is
   * dropped instead of refusing (GrandID: the subject follows from the personnummer the
   * account carries now, so a link of this connection to another subject is stale).
   */
  private async link(account: Account, connection: Connection, identity: UpstreamIdentity, replace = false): Promise<Account> {
    const at = this.clock().toISOString();
    let other = false;
    const result = await this.accounts
      .update(account.id, (current) => {
        other = !replace && current.identities.some((i) => i.connectionId === connection.id);
        if (other) return null;
        const kept = current.identities.filter((i) => i.connectionId !== connection.id);
        return {
          ...current,
          // An account an administrator created (invited) is taken into use by its first federated sign-in.
          state: current.state === 'invited' ? 'active' : current.state,
          identities: [...kept, { connectionId: connection.id, subject: identity.subject, linkedAt: at }],
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
