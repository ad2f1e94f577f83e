// Tokens for the refresh-token and userinfo scenarios, made through the provider's own models
// (so stored by each server's own adapter) as a finished code exchange would leave them.

/** Refresh tokens are rotated: each is used once and answered with the next, so there must be enough chains. */
const REFRESH_CHAINS = Number(process.env.BENCH_REFRESH_CHAINS ?? 400);
const SCOPE = 'openid offline_access email';

export async function mintTokens(provider, clientId, accountId) {
  const client = await provider.Client.find(clientId);
  const grant = new provider.Grant({ clientId, accountId });
  grant.addOIDCScope(SCOPE);
  const grantId = await grant.save();
  const authTime = Math.floor(Date.now() / 1000);
  const claims = { accountId, client, grantId, scope: SCOPE, gty: 'authorization_code', authTime };
  const refreshTokens = [];
  for (let i = 0; i < REFRESH_CHAINS; i += 1) refreshTokens.push(await new provider.RefreshToken(claims).save());
  const accessToken = await new provider.AccessToken({ ...claims, scope: 'openid email' }).save();
  return { refreshTokens, accessToken };
}
