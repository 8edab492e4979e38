/**
 * Canonical JSON in the style of RFC 8785: object keys sorted by UTF-16 code units, no
 * whitespace, strings escaped as JSON.stringify does. Numbers must be safe integers: money and
 * other exact values travel as decimal strings, so a float never reaches a hash.
 */
export class NonCanonicalValueError extends Error {
  override name = 'NonCanonicalValueError';
  constructor(readonly path: string, reason: string) {
    super(`value at ${path} cannot be canonicalized: ${reason}`);
  }
}

export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) {
        throw new NonCanonicalValueError(path, `number ${value} is not a safe integer; use a decimal string`);
      }
      return String(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((item, index) => write(item, `${path}[${index}]`)).join(',')}]`;
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${write(item, `${path}.${key}`)}`).join(',')}}`;
    }
    default:
      throw new NonCanonicalValueError(path, `type ${typeof value} is not JSON`);
  }
}
