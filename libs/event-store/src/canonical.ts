import { canonicalJson } from '@tollgate/kernel';

/**
 * canonicalJson from the kernel, on the append hot path: the same bytes, several times faster,
 * because it builds no error paths while the value is fine. On a value it refuses, it defers to
 * the kernel so the error names the path exactly as everywhere else. canonical.spec.ts checks the
 * two agree.
 */
export function canonicalText(value: unknown): string {
  try {
    return write(value);
  } catch (error) {
    if (error === REFUSED) return canonicalJson(value);
    throw error;
  }
}

const REFUSED = Symbol('refused');

function write(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw REFUSED;
      return String(value);
    case 'object': {
      if (Array.isArray(value)) {
        let out = '[';
        for (let index = 0; index < value.length; index++) out += (index === 0 ? '' : ',') + write(value[index]);
        return `${out}]`;
      }
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = record[key];
        if (item === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${write(item)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw REFUSED;
  }
}

/**
 * A PostgreSQL text[] literal for strings free of control characters (canonical JSON text, ids,
 * hashes, type names, ISO timestamps): JSON's string quoting is then exactly the array literal's
 * (only `"` and `\` escaped), and JSON.stringify does it natively, far faster than pg's escaping.
 * Anything else takes the slow, general quoting.
 */
export function textArrayLiteral(values: readonly string[], { jsonText = false } = {}): string {
  // JSON text never holds a raw control character (JSON escapes them), so it skips the check.
  if (!jsonText) {
    for (const value of values) {
      // Control characters and surrogates are the only ones JSON writes differently.
      if (/[\u0000-\u001f\ud800-\udfff]/.test(value)) return `{${values.map(quoteSlowly).join(',')}}`;
    }
  }
  const json = JSON.stringify(values);
  return `{${json.slice(1, -1)}}`;
}

function quoteSlowly(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
