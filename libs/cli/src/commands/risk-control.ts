import type { Command } from 'commander';
import { operatorRole, type OperatorRole } from '@tollgate/contracts';
import { currentOperator, sendCommand } from '../control-client';
import { CommandFailure } from '../output';

/**
 * What the risk commands (limits, state, breakers, kill, emergency-stop, override, auto-mode) share:
 * who acts (`--as`, default the login name), with which role (`--role`, default TOLLGATE_ROLE), and how
 * the running system is reached (control-client: NATS when NATS_URL is set, else the local gateway).
 *
 * The role is the operator's own claim until the security issue brings real identities; the risk service
 * records it with every loosening (release, reset, approve, limits) and refuses the wrong one.
 */
export interface ControlOptions {
  as?: string;
  role?: string;
  url?: string;
}

export function withControlOptions(command: Command, { role = false }: { role?: boolean } = {}): Command {
  command.option('--as <actor>', 'act as this person, user:<name> (default: your login name)').option('--url <url>', 'the gateway to talk to (default http://127.0.0.1:$TOLLGATE_HTTP_PORT; NATS_URL wins when set)');
  if (role) command.option('--role <role>', 'your role: trader | risk | admin (default: $TOLLGATE_ROLE)');
  return command;
}

export function actorOf(options: ControlOptions): string {
  const actor = options.as ?? currentOperator();
  if (!/^user:[A-Za-z0-9._@-]{1,64}$/.test(actor)) throw new CommandFailure(`--as must be user:<name> (letters, digits, . _ @ -), was ${JSON.stringify(actor)}`);
  return actor;
}

export function roleOf(options: ControlOptions): OperatorRole | null {
  const role = options.role ?? process.env.TOLLGATE_ROLE;
  if (role === undefined || role === '') return null;
  const parsed = operatorRole.safeParse(role);
  if (!parsed.success) throw new CommandFailure(`--role must be one of ${operatorRole.options.join(', ')}, was ${JSON.stringify(role)}`);
  return parsed.data;
}

export function requireReason(reason: string | undefined, flag = '--reason'): string {
  if (!reason || reason.trim() === '') throw new CommandFailure(`${flag} is required: say why, it is recorded with the change`);
  return reason.trim();
}

/** A command that acts for someone (its payload carries the actor). */
export function command<Res>(subject: string, payload: Record<string, unknown>, options: ControlOptions, timeoutMs?: number): Promise<Res> {
  const actor = actorOf(options);
  return sendCommand<Res>(subject, payload, { actor, ...(options.url ? { gatewayUrl: options.url } : {}), ...(timeoutMs ? { timeoutMs } : {}) });
}

/** A query (no actor). */
export function query<Res>(subject: string, payload: Record<string, unknown>, options: ControlOptions): Promise<Res> {
  return sendCommand<Res>(subject, payload, options.url ? { gatewayUrl: options.url } : {});
}

/** Fixed-width columns for readable tables. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

/** `15m`, `90s`, `1h`, `500ms` or plain milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new CommandFailure(`${flag} must be a duration like 15m, 90s, 1h or 500ms, was ${JSON.stringify(text)}`);
  const value = Number(match[1]);
  const unit = match[2] ?? 'ms';
  return value * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1_000 : 1);
}
