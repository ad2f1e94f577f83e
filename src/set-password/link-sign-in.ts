import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { FLOW_STATE_TTL_MS } from '../config/defaults.js';
import type { OidcPayloadRepository } from '../oidc/repository.js';

/**
 * After a password is set through an e-mailed link, the same browser is signed in without
 * typing it again: a single-use record (ten minutes) named by an HttpOnly cookie, which the
 * next sign-in page of that browser redeems. The remaining steps (second factor) still apply.
 */
const MODEL = 'LinkSignIn';
const COOKIE = 'idp_link_signin';
const TTL_MS = FLOW_STATE_TTL_MS.linkSignIn;

export async function grantLinkSignIn(ctx: Context, payloads: OidcPayloadRepository, accountId: string): Promise<void> {
  const id = randomBytes(32).toString('base64url');
  await payloads.upsert(MODEL, id, { accountId }, Date.now() + TTL_MS);
  ctx.cookies.set(COOKIE, id, { httpOnly: true, sameSite: 'lax', signed: true, maxAge: TTL_MS, path: '/' });
}

/** The account a link just proved, once; null when there is none. */
export async function takeLinkSignIn(ctx: Context, payloads: OidcPayloadRepository): Promise<string | null> {
  const id = ctx.cookies.get(COOKIE, { signed: true });
  if (!id) return null;
  ctx.cookies.set(COOKIE, null, { path: '/' });
  const record = await payloads.find(MODEL, id);
  if (!record || record.consumed) return null;
  if (!(await payloads.consume(MODEL, id, Date.now()))) return null;
  await payloads.destroy(MODEL, id);
  return typeof record.accountId === 'string' ? record.accountId : null;
}
