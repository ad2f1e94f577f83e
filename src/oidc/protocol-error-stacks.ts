import { errors } from 'oidc-provider';

/**
 * oidc-provider builds its protocol errors eagerly — `ctx.assert(token, new InvalidToken(…))` runs
 * three times on every userinfo request, whether or not anything is wrong — and each one captures a
 * stack trace twice (in Error's constructor and again in `Error.captureStackTrace`). Measured on
 * the machine endpoints that was a fifth of the CPU of a request, in bare oidc-provider as in ours.
 *
 * A protocol refusal (4xx, `expose`) is an answer to a client, not a fault of ours: its name,
 * message and detail say everything and its frames are never read. So those errors are built
 * without walking the stack; their `stack` is just "Name: message". Errors of any other kind, and
 * an oidc-provider error with a 5xx status, keep their full stack.
 */
let installed = false;

export function skipStacksOfProtocolRefusals(): void {
  if (installed) return;
  installed = true;
  const { OIDCProviderError } = errors;

  // A derived class's `super(…)` calls whatever its constructor's prototype is when it runs, so the
  // base of every oidc-provider error can build it without Error's constructor, which always walks
  // the stack (lowering Error.stackTraceLimit around it costs more than it saves). The result is
  // still `instanceof Error`, and reads as one to Object.prototype.toString.
  function ProtocolErrorBase(this: unknown, message?: string, options?: ErrorOptions): object {
    const error = Object.create(new.target.prototype as object) as object;
    Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
    if (options && 'cause' in options) Object.defineProperty(error, 'cause', { value: options.cause, writable: true, configurable: true });
    return error;
  }
  ProtocolErrorBase.prototype = Error.prototype;
  Object.setPrototypeOf(OIDCProviderError, ProtocolErrorBase);
  Object.defineProperty(OIDCProviderError.prototype, Symbol.toStringTag, { value: 'Error', configurable: true });

  // Each subclass then captures again, once its status is known: a refusal gets "Name: message",
  // anything else (a 5xx) its frames.
  const captureStackTrace = Error.captureStackTrace.bind(Error);
  Error.captureStackTrace = function captureUnlessProtocolRefusal(target: object, constructorOpt?: (...args: never[]) => unknown): void {
    if (target instanceof OIDCProviderError && target.expose) {
      Object.defineProperty(target, 'stack', {
        value: `${target.name}: ${target.message}`,
        writable: true,
        configurable: true,
        enumerable: false,
      });
      return;
    }
    captureStackTrace(target, constructorOpt);
  };
}
