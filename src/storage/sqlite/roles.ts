import type { RoleRepository, SupportGrantRepository } from '../../roles/repository.js';
import type { RoleAssignment, RoleName, SupportGrant } from '../../roles/types.js';
import { parseDoc, parseDocs, type Database } from './database.js';

type RoleRow = { account_id: string; role: string; tenant_id: string; granted_at: string };

/** A role naming no tenant is stored with '' so the primary key can hold it. */
const toAssignment = (row: RoleRow): RoleAssignment => ({
  accountId: row.account_id,
  role: row.role as RoleName,
  tenantId: row.tenant_id === '' ? null : row.tenant_id,
  grantedAt: row.granted_at,
});

export class SqliteRoles implements RoleRepository {
  constructor(private readonly db: Database) {}

  async listByAccount(accountId: string) {
    return this.db
      .all<RoleRow>('SELECT * FROM role_assignments WHERE account_id = $id ORDER BY role, tenant_id', { id: accountId })
      .map(toAssignment);
  }

  async listByTenant(tenantId: string) {
    return this.db
      .all<RoleRow>('SELECT * FROM role_assignments WHERE tenant_id = $tenant ORDER BY account_id, role', { tenant: tenantId })
      .map(toAssignment);
  }

  async replaceForAccount(accountId: string, roles: RoleAssignment[]) {
    this.db.transaction(() => {
      this.db.run('DELETE FROM role_assignments WHERE account_id = $id', { id: accountId });
      for (const role of roles) {
        this.db.run(
          'INSERT INTO role_assignments (account_id, role, tenant_id, granted_at) VALUES ($account, $role, $tenant, $at)',
          { account: accountId, role: role.role, tenant: role.tenantId ?? '', at: role.grantedAt },
          'role',
        );
      }
    });
  }

  async deleteByAccount(accountId: string) {
    return this.db.run('DELETE FROM role_assignments WHERE account_id = $id', { id: accountId }).changes;
  }

  async deleteByTenant(tenantId: string) {
    return this.db.run('DELETE FROM role_assignments WHERE tenant_id = $tenant', { tenant: tenantId }).changes;
  }
}

type DocRow = { doc: string };

export class SqliteSupportGrants implements SupportGrantRepository {
  constructor(private readonly db: Database) {}

  async insert(grant: SupportGrant) {
    this.db.run(
      'INSERT INTO support_grants (id, tenant_id, staff_account_id, expires_at, ended_at, doc) VALUES ($id, $tenant, $staff, $expires, $ended, $doc)',
      {
        id: grant.id,
        tenant: grant.tenantId,
        staff: grant.staffAccountId,
        expires: grant.expiresAt,
        ended: grant.endedAt,
        doc: JSON.stringify(grant),
      },
      'support grant',
    );
  }

  async findById(id: string) {
    return parseDoc<SupportGrant>(this.db.get<DocRow>('SELECT doc FROM support_grants WHERE id = $id', { id }));
  }

  async listByTenant(tenantId: string) {
    return parseDocs<SupportGrant>(
      this.db.all<DocRow>('SELECT doc FROM support_grants WHERE tenant_id = $tenant ORDER BY id DESC', { tenant: tenantId }),
    );
  }

  async listLiveForAccount(accountId: string, now: string) {
    return parseDocs<SupportGrant>(
      this.db.all<DocRow>(
        'SELECT doc FROM support_grants WHERE staff_account_id = $staff AND expires_at > $now AND ended_at IS NULL ORDER BY id',
        { staff: accountId, now },
      ),
    );
  }

  /** One UPDATE with the liveness in its WHERE: of racing calls, one ends the grant. */
  async end(id: string, now: string, endedBy: string) {
    return this.db.transaction(() => {
      const { changes } = this.db.run(
        `UPDATE support_grants SET ended_at = $now, doc = json_set(doc, '$.endedAt', $now, '$.endedBy', $by)
         WHERE id = $id AND ended_at IS NULL AND expires_at > $now`,
        { id, now, by: endedBy },
      );
      return changes === 1 ? parseDoc<SupportGrant>(this.db.get<DocRow>('SELECT doc FROM support_grants WHERE id = $id', { id })) : null;
    });
  }

  async deleteByTenant(tenantId: string) {
    return this.db.run('DELETE FROM support_grants WHERE tenant_id = $tenant', { tenant: tenantId }).changes;
  }
}
