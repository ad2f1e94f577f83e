import type { Command } from './common.js';
import { CLIENT_COMMANDS } from './clients.js';
import { CONNECTION_COMMANDS } from './connections.js';
import { OPERATION_COMMANDS } from './operations.js';
import { TENANT_COMMANDS } from './tenants.js';
import { USER_COMMANDS } from './users.js';
import { OPERATOR_COMMANDS } from './operators.js';

export { cliActor, type Command, type CommandContext, type Options } from './common.js';

/** Every `idp` command, by its words, in the order the help lists them. */
export const COMMANDS: Record<string, Command> = {
  ...TENANT_COMMANDS,
  ...CONNECTION_COMMANDS,
  ...CLIENT_COMMANDS,
  ...USER_COMMANDS,
  ...OPERATOR_COMMANDS,
  ...OPERATION_COMMANDS,
};
