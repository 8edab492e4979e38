import { DrillCompleted, streamName } from '@tollgate/contracts';
import type { EventStore } from '@tollgate/event-store';
import { newId } from '@tollgate/kernel';
import { breakerDrill } from './breaker.drill';
import { DEFAULT_KILL_LATENCY_TARGET_MS, DrillAbort, DrillContext, type DrillName, type DrillOptions, type DrillReport, type DrillSystem } from './drill';
import { emergencyStopDrill } from './emergency-stop.drill';
import { killSwitchDrill } from './kill-switch.drill';
import { overrideDrill } from './override.drill';
import { createScratchSystem, type ScratchSystemOptions } from './scratch-system';
import { throttleDrill } from './throttle.drill';

const drills: Record<DrillName, (context: DrillContext) => Promise<void>> = {
  'kill-switch': killSwitchDrill,
  'emergency-stop': emergencyStopDrill,
  breaker: breakerDrill,
  throttle: throttleDrill,
  override: overrideDrill,
};

/**
 * Runs one drill against a system and records its result as DrillCompleted in that system's store. A
 * step that throws fails the drill (it is a check that did not pass), never the caller.
 */
export async function runDrill(name: DrillName, system: DrillSystem, options: DrillOptions = {}): Promise<DrillReport> {
  const context = new DrillContext(name, system, {
    stepTimeoutMs: options.stepTimeoutMs ?? 10_000,
    killLatencyTargetMs: options.killLatencyTargetMs ?? DEFAULT_KILL_LATENCY_TARGET_MS,
  });
  try {
    await drills[name](context);
  } catch (error) {
    // A failed required check is already recorded; anything else that stopped the drill fails it here.
    const recorded = error instanceof DrillAbort && context.checks.at(-1)?.passed === false;
    if (!recorded) context.check('the drill ran to the end', false, error instanceof Error ? error.message : String(error));
  } finally {
    context.market.stop();
  }
  const report = context.report();
  await recordDrill(system.store, report, 'system:drill');
  return report;
}

/** A fresh scratch system, one drill, then the system is thrown away (its report is returned). */
export async function runDrillInScratch(name: DrillName, scratch: ScratchSystemOptions, options: DrillOptions = {}): Promise<DrillReport> {
  const system = await createScratchSystem(scratch);
  try {
    return await runDrill(name, system, options);
  } finally {
    await system.close();
  }
}

/** Appends DrillCompleted to `drill-<name>`; the readiness gates read these. */
export async function recordDrill(store: EventStore, report: DrillReport, actor: string): Promise<void> {
  const data = DrillCompleted.schema.parse(report);
  const now = new Date().toISOString();
  await store.append(streamName('drill', report.drill), 'any', [
    { id: newId(), type: 'DrillCompleted', data, metadata: { correlationId: newId(), causationId: null, actor }, occurredAt: now },
  ]);
}
