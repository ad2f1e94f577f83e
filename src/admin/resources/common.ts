import type { Caller } from '../../operations/index.js';
import { requestOrigin } from '../../web/origin.js';
import type { RouteInput } from '../route.js';

export function page<T extends { id: string }>(items: T[], limit: number) {
  return { items, next: items.length === limit ? items[items.length - 1]!.id : null };
}

/** The caller (admin client or person) and what it may do, as the operations layer records it; mail goes out after the answer. */
export function callerOf(input: RouteInput): Caller {
  const grant = input.state.supportGrant;
  return {
    actor: input.state.actor,
    authority: input.state.authority,
    origin: requestOrigin(input.ctx),
    awaitMail: false,
    ...(grant ? { supportGrantId: grant.grantId } : {}),
  };
}
