/**
 * Log templates, Drain-style (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth Tree",
 * ICWS 2017): a message is split into tokens, variable tokens (anything with a digit, hex ids, UUIDs,
 * IPs, paths with ids, key=value pairs with variable values) become `<*>`, and messages with the same
 * token count and constant tokens share one template. The template id is a hash of the template text,
 * so it is stable across workers, restarts and arrival order. (Drain's similarity merging of near-equal
 * templates is deliberately left out: it depends on arrival order, which would break the guarantee that
 * features do not depend on the number of workers.)
 */

const MAX_TOKENS = 48;
const WILDCARD = "<*>";

function isVariable(tok: string): boolean {
  for (let i = 0; i < tok.length; i++) {
    const c = tok.charCodeAt(i);
    if (c >= 48 && c <= 57) return true; // any digit: numbers, ids, IPs, durations, versions
  }
  // long hex-ish / base64-ish ids without digits are rare; quoted values are variables
  return tok.length >= 2 && (tok[0] === '"' || tok[0] === "'");
}

function maskToken(tok: string): string {
  const eq = tok.indexOf("=");
  if (eq > 0 && eq < tok.length - 1) {
    const v = tok.slice(eq + 1);
    return isVariable(v) ? `${tok.slice(0, eq + 1)}${WILDCARD}` : tok;
  }
  if (!isVariable(tok)) return tok;
  // keep a path's constant segments: /api/users/42 → /api/users/<*>
  if (tok[0] === "/" && tok.length > 1) {
    return tok.split("/").map((s) => (isVariable(s) ? WILDCARD : s)).join("/");
  }
  return WILDCARD;
}

/** The template of one message: variable tokens masked, whitespace normalized, at most 48 tokens. */
export function logTemplate(message: string): string {
  const toks = message.trim().split(/\s+/, MAX_TOKENS + 1);
  const out: string[] = [];
  for (let i = 0; i < toks.length && i < MAX_TOKENS; i++) {
    const m = maskToken(toks[i]);
    if (m === WILDCARD && out[out.length - 1] === WILDCARD) continue; // "<*> <*>" → "<*>"
    out.push(m);
  }
  if (toks.length > MAX_TOKENS) out.push("…");
  return out.join(" ");
}

/** Stable 16-hex-digit id of a template text (two 32-bit FNV-1a passes with different seeds). */
export function templateId(template: string): string {
  let h1 = 0x811c9dc5, h2 = 0x050c5d1f;
  for (let i = 0; i < template.length; i++) {
    const c = template.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x01000193) ^ (h2 >>> 13);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/** Mines templates with a bounded cache of message → template (messages repeat a lot). */
export class TemplateMiner {
  #cache = new Map<string, { id: string; template: string }>();
  readonly max_cache_entries: number;
  constructor(options: { max_cache_entries?: number } = {}) {
    this.max_cache_entries = options.max_cache_entries ?? 10_000;
  }
  mine(message: string): { id: string; template: string } {
    let t = this.#cache.get(message);
    if (t === undefined) {
      const template = logTemplate(message);
      t = { id: templateId(template), template };
      if (this.#cache.size >= this.max_cache_entries) this.#cache.clear();
      this.#cache.set(message, t);
    }
    return t;
  }
}
