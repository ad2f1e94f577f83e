import type { Context } from 'koa';
import { DomainError } from '../errors.js';
import type { Services } from '../services.js';
import { requestOrigin } from '../web/origin.js';
import { PERMISSIONS } from '../roles/permissions.js';
import type { AdminState } from './auth.js';
import { HttpProblem } from './problem.js';
import type { Guard, RouteSpec } from './route.js';

/**
 * The one place the admin API checks permissions: each endpoint's declared permission against
 * the caller's roles and live support grants, for the tenant the request names. A refusal is a
 * 403 and an `admin.denied` event; a request allowed only by a support grant is recorded in the
 * tenant's trail as `admin.support_access`, naming the grant.
 */
export function permissionGuard(services: Services): Guard {
  return async (ctx: Context, spec: RouteSpec, tenantRef: string | undefined) => {
    const state = ctx.state as AdminState;
    const tenant = tenantRef === undefined ? null : await findTenant(services, tenantRef);
    // An unknown tenant is judged as "no tenant": only a caller covering every tenant gets on (to hear 404),
    // so tenant names cannot be probed by anyone else.
    const decision = state.authority.decide(spec.permission, tenant?.id);
    if (!decision.allowed) {
      await services.audit.record({
        tenantId: tenant?.id ?? null,
        actor: state.actor,
        action: 'admin.denied',
        target: tenant ? { type: 'tenant', id: tenant.id } : null,
        outcome: 'failure',
        reason: 'forbidden',
        origin: requestOrigin(ctx),
        details: { permission: spec.permission, operationId: spec.operationId, method: ctx.method, path: ctx.path },
      });
      const scope =
        PERMISSIONS[spec.permission].scope === 'tenant'
          ? tenantRef
            ? ' for this tenant'
            : ' for every tenant (name one with ?tenant=)'
          : '';
      throw new HttpProblem(403, 'forbidden', `this needs the permission ${spec.permission}${scope}, which the caller does not have`);
    }
    if (decision.viaSupportGrant) {
      state.supportGrant = decision.viaSupportGrant;
      await services.audit.record({
        tenantId: decision.viaSupportGrant.tenantId,
        actor: state.actor,
        action: 'admin.support_access',
        target: { type: 'support_grant', id: decision.viaSupportGrant.grantId },
        origin: requestOrigin(ctx),
        details: {
          supportGrantId: decision.viaSupportGrant.grantId,
          permission: spec.permission,
          operationId: spec.operationId,
          method: ctx.method,
          path: ctx.path,
        },
      });
    }
  };
}

async function findTenant(services: Services, ref: string) {
  try {
    return await services.tenants.get(ref);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') return null;
    throw error;
  }
}
