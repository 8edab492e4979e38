import { canonicalJson } from '@tollgate/kernel';

/**
 * canonicalJson from the kernel, on the append hot path: the same bytes, several times faster,
 * because it builds no error paths while the value is fine. On a value it refuses, it defers to
 * the kernel so the error names the path exactly as everywhere else. canonical.spec.ts checks the
 * two agree.
 */
export function canonicalText(value: unknown): string {
  try {
    return isFlatRecord(value) ? JSON.stringify(value, Object.keys(value).sort()) : write(value);
  } catch (error) {
    if (error === REFUSED) return canonicalJson(value);
    throw error;
  }
}

/**
 * Most event data is one level of strings, safe integers, booleans and nulls. JSON.stringify
 * with the sorted key list as its whitelist writes exactly the canonical form of such an object
 * (keys in list order, undefined dropped), natively.
 */
function isFlatRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  // Plain objects only: a class could carry toJSON, which JSON.stringify would honour.
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) return false;
    const item = record[key];
    switch (typeof item) {
      case 'string':
      case 'boolean':
      case 'undefined':
        continue;
      case 'number':
        if (Number.isSafeInteger(item)) continue;
        return false;
      case 'object':
        if (item === null) continue;
        return false;
      default:
        return false;
    }
  }
  return true;
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
