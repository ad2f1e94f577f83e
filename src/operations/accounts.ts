import type { AccountCreateInput, AccountUpdateInput } from '../accounts/schema.js';
import type { Account } from '../accounts/types.js';
import type { Services } from '../services.js';
import { recordAdmin, type Caller } from './caller.js';
import { DomainError } from '../errors.js';

/** Account changes an administrator makes, each with its audit entry (never a password). */
export function accountOperations(services: Services) {
  const record = recordAdmin(services);
  const target = (account: Account) => ({ type: 'account', id: account.id });

  async function inTenant(tenantRef: string, accountId: string) {
    const tenant = await services.tenants.get(tenantRef);
    return { tenant, account: await services.accounts.get(tenant.id, accountId) };
  }

  /**
   * An account holding roles is changed only by a caller who could grant those roles: helpdesk
   * cannot reset a tenant-admin's factor or password, nor a tenant-admin a staff role holder's.
   */
  async function assertMayManage(caller: Caller, tenantId: string, accountId: string): Promise<void> {
    const authority = caller.authority;
    if (!authority) return;
    const held = await services.roles.rolesOf(accountId);
    const beyond = held.filter((g) =>
      g.tenantId === null ? !authority.allows('roles.write') : !authority.allows('tenant.roles.write', g.tenantId),
    );
    if (beyond.length === 0) return;
    await services.audit.record({
      tenantId,
      actor: caller.actor,
      action: 'admin.denied',
      target: { type: 'account', id: accountId },
      outcome: 'failure',
      reason: 'account_holds_roles',
      origin: caller.origin,
      details: { roles: beyond },
    });
    throw new DomainError('forbidden', 'the account holds administrator roles the caller cannot grant, so the caller cannot change it');
  }

  async function managed(caller: Caller, tenantRef: string, accountId: string) {
    const found = await inTenant(tenantRef, accountId);
    await assertMayManage(caller, found.tenant.id, found.account.id);
    return found;
  }

  async function sendInvitation(caller: Caller, account: Account, resend: boolean): Promise<boolean> {
    const invitationSent = await services.links.sendInvitation(account, 'en');
    await record(caller, 'account.invite', target(account), account.tenantId, { sent: invitationSent, ...(resend ? { resend } : {}) });
    return invitationSent;
  }

  async function update(caller: Caller, tenantRef: string, accountId: string, input: AccountUpdateInput) {
    const { tenant } = await managed(caller, tenantRef, accountId);
    const { before, after } = await services.accounts.update(tenant.id, accountId, input);
    const { password: _password, ...request } = input as AccountUpdateInput & { password?: unknown };
    const shownBefore = services.accounts.toPublic(before);
    const shownAfter = services.accounts.toPublic(after);
    // The personnummer as it was sent never reaches the trail: only masked, as stored.
    if (request.personalNumber !== undefined) request.personalNumber = shownAfter.personalNumber;
    await record(caller, 'account.update', target(after), tenant.id, {
      before: shownBefore,
      after: shownAfter,
      request,
      passwordChanged: before.passwordHash !== after.passwordHash,
    });
    if (before.personalNumber?.hash !== after.personalNumber?.hash)
      await record(
        caller,
        after.personalNumber ? 'account.personal_number_set' : 'account.personal_number_removed',
        target(after),
        tenant.id,
        { before: shownBefore.personalNumber, after: shownAfter.personalNumber },
      );
    // Privilege changes stand out in the trail on their own (R12).
    if (before.staff !== after.staff)
      await record(caller, after.staff ? 'account.staff_granted' : 'account.staff_revoked', target(after), tenant.id);
    if (before.emailNormalized !== after.emailNormalized) await services.notices.emailChanged(before, caller.awaitMail);
    return after;
  }

  return {
    /** Creates an account with a password or, with `invite`, one that chooses its own through an e-mailed link. */
    async create(caller: Caller, tenantRef: string, input: AccountCreateInput, invite: boolean) {
      const tenant = await services.tenants.get(tenantRef);
      const account = await services.accounts.create(tenant.id, input);
      await record(caller, 'account.create', target(account), tenant.id, { after: services.accounts.toPublic(account) });
      return { account, invitationSent: invite ? await sendInvitation(caller, account, false) : undefined };
    },
    /** Sends the registration e-mail again; the older link stops working. */
    async resendInvitation(caller: Caller, tenantRef: string, accountId: string) {
      const { account } = await managed(caller, tenantRef, accountId);
      return sendInvitation(caller, account, true);
    },
    update,
    /** Ties a personnummer (any valid form) to the account for e-ID sign-in, or with null removes it. */
    async setPersonalNumber(caller: Caller, tenantRef: string, accountId: string, personalNumber: string | null) {
      return update(caller, tenantRef, accountId, { personalNumber });
    },
    async setPassword(caller: Caller, tenantRef: string, accountId: string, password: string) {
      const { tenant } = await managed(caller, tenantRef, accountId);
      const { after } = await services.accounts.setPassword(tenant.id, accountId, password);
      await record(caller, 'account.set_password', target(after), tenant.id);
      return after;
    },
    async unlock(caller: Caller, tenantRef: string, accountId: string, reason: string | null) {
      const { tenant } = await managed(caller, tenantRef, accountId);
      const { before, after } = await services.accounts.unlock(tenant.id, accountId);
      await record(caller, 'account.unlock', target(after), tenant.id, {
        reason,
        stateBefore: before.state,
        failedAttemptsBefore: before.failedAttempts,
      });
      return after;
    },
    /** Removes the second factor and recovery codes, and tells the owner. */
    async resetSecondFactor(caller: Caller, tenantRef: string, accountId: string) {
      const { tenant, account } = await managed(caller, tenantRef, accountId);
      const result = await services.mfa.disable(account.id);
      await record(caller, 'account.mfa_reset', target(account), tenant.id, { hadFactor: account.totp !== null });
      if (account.totp) {
        if (caller.awaitMail) await services.notices.sendFactorChanged(account, 'mfa_reset', 'en');
        else services.notices.factorChanged(account, 'mfa_reset', 'en');
      }
      return result?.after ?? account;
    },
    async delete(caller: Caller, tenantRef: string, accountId: string) {
      const { tenant } = await managed(caller, tenantRef, accountId);
      const account = await services.accounts.delete(tenant.id, accountId);
      const roles = await services.roles.rolesOf(account.id);
      await services.roles.forgetAccount(account.id);
      await record(caller, 'account.delete', target(account), tenant.id, { before: services.accounts.toPublic(account), roles });
      return account;
    },
  };
}
