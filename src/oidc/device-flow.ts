import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Services } from '../services.js';
import { negotiateLocale, type MessageId } from '../i18n/messages.js';
import type { Throttle } from '../throttle/throttle.js';
import { deviceCodePage, deviceConfirmPage, deviceDonePage, type DeviceForm } from '../views/device-pages.js';
import { addressKey, requestOrigin } from '../web/origin.js';
import { PageError, renderPageFailures } from '../web/page-error.js';
import { reachesRoute, ROUTES } from './settings.js';

const localeOf = (ctx: Context) => negotiateLocale(undefined, ctx.get('accept-language'));

/** Our form around the provider's: the same action and its session-bound xsrf value. */
function formOf(ctx: KoaContextWithOIDC): DeviceForm {
  const secret = (ctx.oidc.session?.state as { secret?: unknown } | undefined)?.secret;
  return { action: ctx.oidc.urlFor('code_verification'), xsrf: typeof secret === 'string' ? secret : '' };
}

/** Why oidc-provider re-rendered the code page: its error class names tell. */
function refusalOf(error: Error | undefined): { message: MessageId; reason: string; status: number } | null {
  if (!error) return null;
  const known = knownRefusal(error);
  if (known) return { ...known, status: 400 };
  // Anything else the provider refused (a stale or foreign form token is invalid_request): its own status and code.
  const { statusCode, error: code } = error as { statusCode?: number; error?: string };
  return { message: 'device.failed', reason: code ?? 'error', status: statusCode ?? 500 };
}

function knownRefusal(error: Error): { message: MessageId; reason: string } | null {
  switch (error.name) {
    case 'NoCodeError':
    case 'NotFoundError':
      return { message: 'device.invalid_code', reason: 'user_code_unknown' };
    case 'ExpiredError':
    case 'AlreadyUsedError':
      return { message: 'device.expired_code', reason: error.name === 'ExpiredError' ? 'user_code_expired' : 'user_code_used' };
    case 'AbortedError':
      return { message: 'device.aborted', reason: 'aborted' };
    default:
      return null;
  }
}

/** oidc-provider's device flow (RFC 8628) with our pages, in the person's language, and an audit trail. */
export function deviceFlowFeature(services: Services) {
  return {
    enabled: true,
    // The provider's default alphabet (20 consonants, no vowels: no words, no look-alikes) and mask.
    charset: 'base-20' as const,
    mask: '****-****',
    userCodeInputSource: async (ctx: KoaContextWithOIDC, _form: string, _out?: unknown, error?: Error) => {
      const locale = localeOf(ctx);
      const refusal = refusalOf(error);
      if (refusal) {
        ctx.status = refusal.status;
        await services.audit.record({
          tenantId: null,
          actor: { type: 'anonymous' },
          action: 'device.user_code',
          outcome: 'failure',
          reason: refusal.reason,
          origin: requestOrigin(ctx),
        });
      }
      ctx.type = 'html';
      ctx.body = deviceCodePage(locale, formOf(ctx), refusal?.message);
    },
    userCodeConfirmSource: async (
      ctx: KoaContextWithOIDC,
      _form: string,
      client: { clientId: string; clientName?: string },
      _info: unknown,
      userCode: string,
    ) => {
      ctx.type = 'html';
      ctx.body = deviceConfirmPage(localeOf(ctx), formOf(ctx), client.clientName ?? client.clientId, userCode);
    },
    successSource: async (ctx: KoaContextWithOIDC) => {
      const client = ctx.oidc.client!;
      const accountId = ctx.oidc.session?.accountId;
      const account = accountId ? await services.accounts.findById(accountId) : null;
      await services.audit.record({
        tenantId: account?.tenantId ?? null,
        actor: accountId ? { type: 'user', id: accountId } : { type: 'anonymous' },
        action: 'device.approved',
        target: { type: 'client', id: client.clientId },
        origin: requestOrigin(ctx),
      });
      ctx.type = 'html';
      ctx.body = deviceDonePage(localeOf(ctx), client.clientName ?? client.clientId);
    },
  };
}

/**
 * User codes are short enough to guess: each client address may post the code form only so
 * many times per window (DEVICE_FLOW in defaults.ts), then 429 with our error page.
 */
export function deviceCodeEntryLimit(deps: { throttle: Throttle; services: Services; sessionCookie: string }) {
  const renderFailures = renderPageFailures();
  return async function limitDeviceCodeEntry(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || !reachesRoute(ctx.path, ROUTES.code_verification)) {
      await next();
      return;
    }
    let admitted = false;
    await renderFailures(ctx, async () => {
      (ctx.state as { locale?: unknown }).locale = localeOf(ctx);
      const verdict = await deps.throttle.hit(`device-code:${addressKey(ctx.ip)}`);
      if (!verdict.allowed) {
        ctx.set('Retry-After', String(verdict.retryAfterSeconds));
        await deps.services.audit.record({
          tenantId: null,
          actor: { type: 'anonymous' },
          action: 'device.user_code',
          outcome: 'failure',
          reason: 'throttled',
          origin: requestOrigin(ctx),
        });
        throw new PageError(429, 'device.throttled', 'too_many_requests');
      }
      // The form's token lives in the browser's session: a post without one (cross-site, or cookies off)
      // is refused here, since oidc-provider would fail on it with a 500.
      if (!ctx.cookies.get(deps.sessionCookie)) {
        await deps.services.audit.record({
          tenantId: null,
          actor: { type: 'anonymous' },
          action: 'device.user_code',
          outcome: 'failure',
          reason: 'no_session',
          origin: requestOrigin(ctx),
        });
        throw new PageError(400, 'device.failed', 'no_session');
      }
      admitted = true;
    });
    if (admitted) await next();
  };
}
