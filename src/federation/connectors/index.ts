import type { Tenant } from '../../tenants/types.js';
import type { Connection, UpstreamIdentity } from '../types.js';
import type { Connector, StartRequest, Started, UpstreamAnswer } from './connector.js';

/** Each connection kind's connector; a connection goes to the one for its kind. */
export class Connectors {
  constructor(private readonly byKind: { [K in Connection['kind']]: Connector<Connection & { kind: K }> }) {}

  private of(connection: Connection): Connector {
    return this.byKind[connection.kind] as Connector;
  }

  start(connection: Connection, request: StartRequest): Promise<Started> {
    return this.of(connection).start(connection, request);
  }

  finish(connection: Connection, tenant: Tenant, answer: UpstreamAnswer, pending: Record<string, string>): Promise<UpstreamIdentity> {
    return this.of(connection).finish(connection, tenant, answer, pending);
  }

  /** False when the kind has no upstream session to end. */
  async endSession(connection: Connection, session: string): Promise<boolean> {
    const connector = this.of(connection);
    if (!connector.endSession) return false;
    await connector.endSession(connection, session);
    return true;
  }
}
