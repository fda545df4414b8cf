import { AppError } from '../domain/errors.ts';

/**
 * Turning one delivery's body into something PostgreSQL stores, each delivery on its own — before
 * it joins a batch, so that nothing one sender put in its body can fail another's write.
 */

/**
 * Deepest nesting of objects/arrays accepted. Pluggy's events nest three levels at most; a body
 * nested thousands of levels deep parses, but JSON.stringify then recurses out of stack.
 */
export const MAX_JSON_DEPTH = 32;

/** Nested deeper than MAX_JSON_DEPTH: 400, never stored. */
export class WebhookPayloadTooDeep extends AppError {
  constructor() {
    super(
      'invalid',
      'webhook-payload-too-deep',
      `A webhook body may nest objects and arrays at most ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
}

/**
 * JSON.parse behind a nesting-depth check made on the text itself, in one linear pass (brackets
 * inside strings do not count), so a hostile body is refused before any recursion over it.
 * Throws WebhookPayloadTooDeep, or SyntaxError for text that is not JSON.
 */
export function parseWebhookJson(text: string): unknown {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw new WebhookPayloadTooDeep();
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return JSON.parse(text);
}

const REPLACEMENT = '\uFFFD';

/**
 * Text jsonb cannot hold — U+0000 (SQLSTATE 22P05) and a lone UTF-16 surrogate (22P02) — is
 * replaced by U+FFFD, in keys and values alike, and the body kept rather than refused with a 400:
 * Pluggy resends a refused delivery unchanged until it gives up, so a 400 would lose the event for
 * good, while these characters cannot sit in anything we act on (event names and ids are checked
 * strictly first, and refused if odd). `raw` then differs from the body sent in exactly those
 * characters.
 */
function storableString(s: string): string {
  if (!s.includes('\0') && !/[\ud800-\udfff]/.test(s)) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) out += REPLACEMENT;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += REPLACEMENT;
    } else if (c >= 0xdc00 && c <= 0xdfff) out += REPLACEMENT;
    else out += s[i]!;
  }
  return out;
}

function storable(value: unknown, depth: number): unknown {
  if (depth > MAX_JSON_DEPTH) throw new WebhookPayloadTooDeep();
  if (typeof value === 'string') return storableString(value);
  if (Array.isArray(value)) return value.map((v) => storable(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty: a "__proto__" key stays data, as JSON.parse made it.
      Object.defineProperty(out, storableString(k), {
        value: storable(v, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}

/**
 * The body as JSON text PostgreSQL's jsonb accepts. Numbers JSON cannot represent exactly
 * (beyond ±1.8e308) were already Infinity after parsing and are written as null, as JSON.stringify
 * does. Throws WebhookPayloadTooDeep for a value nested too deep (one not built by
 * parseWebhookJson).
 */
export function toStorableJson(body: Record<string, unknown>): string {
  return JSON.stringify(storable(body, 0));
}
