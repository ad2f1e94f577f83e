import { emailSchema } from '../accounts/schema.js';
import { forgotPasswordPage, resetSentPage } from '../views/pages.js';
import { addressKey, requestOrigin } from '../web/origin.js';
import type { InteractionContext } from './context.js';
import type { InteractionDeps, InteractionKit } from './kit.js';

/** "Forgot password" from the sign-in: the same answer for every e-mail, sent in the same time. */
export function forgotSteps({ services }: InteractionDeps, { formContext, audienceOf }: InteractionKit) {
  function showForgot(ctx: InteractionContext): void {
    ctx.type = 'html';
    ctx.body = forgotPasswordPage(formContext(ctx), { email: ctx.state.flow.email ?? undefined });
  }

  async function submitForgot(ctx: InteractionContext): Promise<void> {
    ctx.type = 'html';
    const parsed = emailSchema.safeParse(ctx.state.form.email ?? '');
    if (!parsed.success) {
      ctx.status = 400;
      ctx.body = forgotPasswordPage(formContext(ctx), { email: ctx.state.form.email, error: 'login.invalid_email' });
      return;
    }
    const verdict = await services.resetThrottle.hit(`reset:${addressKey(ctx.ip)}`);
    if (!verdict.allowed) {
      ctx.status = 429;
      ctx.set('Retry-After', String(verdict.retryAfterSeconds));
      ctx.body = forgotPasswordPage(formContext(ctx), { email: parsed.data, error: 'error.too_many_attempts' });
      return;
    }
    // Looking up accounts and sending mail happens after the answer has gone (setImmediate: the
    // store answers synchronously, so even a promise would run before the response), so its time says nothing.
    const { interaction, locale } = ctx.state;
    const audience = audienceOf(ctx);
    const origin = requestOrigin(ctx);
    setImmediate(() => {
      services.links
        .requestReset(parsed.data, audience, interaction.uid, locale, origin)
        .catch((error: unknown) => ctx.app.emit('error', error, ctx));
    });
    ctx.body = resetSentPage(formContext(ctx), parsed.data);
  }

  return { showForgot, submitForgot };
}
