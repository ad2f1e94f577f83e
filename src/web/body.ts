import type { Context } from 'koa';

/** A request body the service refuses to read; `status` is the HTTP answer. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly reason: 'malformed' | 'too_large' | 'unsupported_media_type',
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

async function readRaw(ctx: Context, limit: number): Promise<string> {
  const declared = Number(ctx.get('content-length') || NaN);
  if (declared > limit) throw new BodyError(413, 'too_large', `the body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyError(413, 'too_large', `the body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.includes('\uFFFD')) throw new BodyError(400, 'malformed', 'the body is not valid UTF-8');
  return text;
}

/** Reads an HTML form post. Every field appears at most once; repeated fields are refused. */
export async function readForm(ctx: Context, limit: number): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new BodyError(415, 'unsupported_media_type', 'expected application/x-www-form-urlencoded');
  }
  const params = new URLSearchParams(await readRaw(ctx, limit));
  const form = Object.create(null) as Record<string, string>;
  for (const [key, value] of params) {
    if (key in form) throw new BodyError(400, 'malformed', `the field "${key}" appears more than once`);
    form[key] = value;
  }
  return form;
}

/** Reads a JSON document (object or array). */
export async function readJson(ctx: Context, limit: number): Promise<unknown> {
  if (!ctx.is('application/json', 'application/*+json')) {
    throw new BodyError(415, 'unsupported_media_type', 'expected application/json');
  }
  const text = await readRaw(ctx, limit);
  try {
    return JSON.parse(text);
  } catch {
    throw new BodyError(400, 'malformed', 'the body is not valid JSON');
  }
}
