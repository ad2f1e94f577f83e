import type { ConnectionKind } from '../types.js';
import type { ConnectorKind } from './kind.js';
import { entra } from './entra.js';
import { genericOidc } from './oidc.js';
import { google } from './google.js';

export const CONNECTORS: Record<ConnectionKind, ConnectorKind> = { entra, google, oidc: genericOidc };
