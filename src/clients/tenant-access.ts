/**
 * Whether a person of `accountTenantId` may sign in to a client limited to `clientTenantIds`
 * (empty: every tenant), when the request asked for `requestedTenantId` (absent: any).
 */
export function tenantAllowed(accountTenantId: string, clientTenantIds: readonly string[], requestedTenantId?: string): boolean {
  if (requestedTenantId !== undefined && requestedTenantId !== accountTenantId) return false;
  return clientTenantIds.length === 0 || clientTenantIds.includes(accountTenantId);
}
