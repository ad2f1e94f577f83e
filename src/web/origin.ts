import type { Context } from 'koa';
import type { RequestOrigin } from '../audit/types.js';

export function requestOrigin(ctx: Context): RequestOrigin {
  return { ip: ctx.ip || null, userAgent: ctx.get('user-agent') || null };
}

/**
 * The key a client address is throttled under: an IPv4 address as it is, an IPv6 address by
 * its /64 (one subscriber usually holds a whole /64, so counting single addresses is useless).
 */
export function addressKey(ip: string): string {
  const address = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.padStart(4, '0'))
    .join(':')}::/64`;
}
