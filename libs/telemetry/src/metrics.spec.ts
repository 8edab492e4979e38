import { startTelemetry } from './telemetry';

// The metrics endpoint is process-wide, like the SDK: this file owns its own process under Jest.
const metricsPort = 20_000 + Math.floor(Math.random() * 40_000);
const telemetry = startTelemetry({ serviceName: 'metrics-spec', metricsPort });
afterAll(() => telemetry.shutdown());

async function scrape(): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return await response.text();
    } catch (error) {
      // The exporter's HTTP server starts asynchronously.
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('Prometheus metrics endpoint', () => {
  it('serves the process metrics for operators to scrape', async () => {
    telemetry.meter.createCounter('tollgate_spec_orders', { description: 'orders seen by the spec' }).add(3, { venue: 'sim' });
    expect(telemetry.exporters).toContain(`prometheus :${metricsPort}/metrics`);
    const body = await scrape();
    expect(body).toMatch(/tollgate_spec_orders(_total)?\{[^}]*venue="sim"[^}]*\} 3/);
  });
});
