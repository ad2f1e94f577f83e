import { errors } from 'oidc-provider';

/**
 * oidc-provider builds its protocol errors eagerly — `ctx.assert(token, new InvalidToken(…))` runs
 * three times on every userinfo request, whether or not anything is wrong — and each one captures a
 * stack trace twice (in Error's constructor and again in `Error.captureStackTrace`). Measured on
 * the machine endpoints that was a fifth of the CPU of a request, in bare oidc-provider as in ours.
 *
 * A protocol refusal (exposed, 4xx) is an answer to a client, not a fault of ours: its name,
 * message and detail say everything and its frames are never read. So those errors are built
 * without walking the stack; their `stack` reads "Name: message". An oidc-provider error with a
 * 5xx status when its class captures (or made directly from the base class), and every other
 * error, keeps its frames.
 */
let installed = false;

export function skipStacksOfProtocolRefusals(): void {
  if (installed) return;
  installed = true;
  const { OIDCProviderError } = errors;

  // A derived class's `super(…)` calls whatever its constructor's prototype is when it runs, so the
  // base of every oidc-provider error can build it without Error's constructor, which always walks
  // the stack (lowering Error.stackTraceLimit around it costs more than it saves). The result is
  // still `instanceof Error`, and reads as one to Object.prototype.toString (not to
  // util.types.isNativeError). The base class made directly has no subclass to capture: native.
  function ProtocolErrorBase(this: unknown, message?: string, options?: ErrorOptions): object {
    if ((new.target as unknown) === OIDCProviderError) return Reflect.construct(Error, [message, options], new.target) as object;
    const error = Object.create(new.target.prototype as object) as object;
    Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
    if (typeof options === 'object' && options !== null && 'cause' in options) {
      Object.defineProperty(error, 'cause', { value: options.cause, writable: true, configurable: true });
    }
    return error;
  }
  ProtocolErrorBase.prototype = Error.prototype;
  Object.setPrototypeOf(OIDCProviderError, ProtocolErrorBase);
  Object.defineProperty(OIDCProviderError.prototype, Symbol.toStringTag, { value: 'Error', configurable: true });
  // What a refusal's `stack` reads until something captures or assigns one.
  Object.defineProperty(OIDCProviderError.prototype, 'stack', {
    get(this: Error) {
      return this.message ? `${this.name}: ${this.message}` : this.name;
    },
    set(this: Error, value: unknown) {
      Object.defineProperty(this, 'stack', { value, writable: true, configurable: true });
    },
    configurable: true,
  });

  // Each subclass then captures, once its status is known: a refusal keeps "Name: message",
  // anything else (a 5xx) gets its frames. Without a constructorOpt, the frames start at the caller.
  const captureStackTrace = Error.captureStackTrace.bind(Error);
  Error.captureStackTrace = function captureUnlessProtocolRefusal(target: object, constructorOpt?: (...args: never[]) => unknown): void {
    if (target instanceof OIDCProviderError && target.expose && target.status < 500) return;
    captureStackTrace(target, constructorOpt ?? captureUnlessProtocolRefusal);
  };
}
