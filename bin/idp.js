#!/usr/bin/env node
// The `idp` command. Needs Node.js 24 (npx and npm scripts use the project's own).
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`idp needs Node.js 24 or newer (this is ${process.version}); run it as "npx idp" from the project.\n`);
  process.exit(1);
}
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    process.stderr.write('idp is not built yet: run "npm run build" (npm ci does it for you).\n');
    process.exit(1);
  }
  throw error;
}
