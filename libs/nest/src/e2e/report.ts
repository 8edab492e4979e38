/** One JSON line on stdout, tagged so the test can tell it from pino's log lines. */
export function report(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ e2e: true, ...fields })}\n`);
}

export const pingSubject = 'tollgate.cmd.beta.ping';
