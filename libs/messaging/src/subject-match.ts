/** NATS subject rules, for the in-process bus and for validating what callers pass. */

const TOKEN = /^[^\s.*>]+$/;

export function assertSubject(subject: string, what = 'subject'): void {
  if (!isValidSubject(subject, false)) throw new Error(`${what} ${JSON.stringify(subject)} is not a valid NATS subject (dot-separated tokens, no wildcards)`);
}

export function assertSubjectPattern(pattern: string, what = 'subject'): void {
  if (!isValidSubject(pattern, true)) {
    throw new Error(`${what} ${JSON.stringify(pattern)} is not a valid NATS subject pattern (dot-separated tokens, '*' for one token, '>' last for the rest)`);
  }
}

function isValidSubject(subject: string, wildcards: boolean): boolean {
  if (typeof subject !== 'string' || subject === '') return false;
  const tokens = subject.split('.');
  return tokens.every((token, index) => {
    if (wildcards && token === '*') return true;
    if (wildcards && token === '>') return index === tokens.length - 1;
    return TOKEN.test(token);
  });
}

/** True when `subject` (no wildcards) matches `pattern` (`*` one token, trailing `>` one or more). */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const patternTokens = pattern.split('.');
  const subjectTokens = subject.split('.');
  for (let i = 0; i < patternTokens.length; i++) {
    const token = patternTokens[i]!;
    if (token === '>') return subjectTokens.length > i;
    if (i >= subjectTokens.length) return false;
    if (token !== '*' && token !== subjectTokens[i]) return false;
  }
  return patternTokens.length === subjectTokens.length;
}

const NAME = /^[A-Za-z0-9_-]+$/;
export function assertName(name: string, what: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`${what} ${JSON.stringify(name)} must match [A-Za-z0-9_-]+`);
}
