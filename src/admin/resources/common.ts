import type { Services } from '../../services.js';
import { requestOrigin } from '../../web/origin.js';
import type { RouteInput } from '../route.js';

export function page<T extends { id: string }>(items: T[], limit: number) {
  return { items, next: items.length === limit ? items[items.length - 1]!.id : null };
}

/** Leaves password material out of what the audit trail keeps of a request. */
export function withoutSecrets(body: unknown): unknown {
  if (!body || typeof body !== 'object') return body;
  const { password: _password, ...rest } = body as Record<string, unknown>;
  return rest;
}

/** Records an admin action with the calling admin client as actor. */
export function adminAudit(services: Services) {
  return (input: RouteInput, action: string, target: { type: string; id: string }, tenantId: string | null, details?: Record<string, unknown>) =>
    services.audit.record({ tenantId, actor: input.state.actor, action: `admin.${action}`, target, origin: requestOrigin(input.ctx), details });
}
