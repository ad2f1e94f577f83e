import { Histogram, Registry } from 'prom-client';
import { LatencyHistogram } from '../../src/metrics/latency-histogram.js';

const BOUNDS = [0.005, 0.01, 0.1, 1];

describe('the request latency histogram', () => {
  test("exposes exactly what prom-client's own histogram exposes for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const histogram = new LatencyHistogram('latency_seconds', 'Latency', BOUNDS, ours);
    const reference = new Histogram({
      name: 'latency_seconds',
      help: 'Latency',
      labelNames: ['route', 'status'],
      buckets: BOUNDS,
      registers: [theirs],
    });
    const observations: [Record<string, string>, number][] = [
      [{ route: 'token', status: '2xx' }, 0.002],
      [{ route: 'token', status: '2xx' }, 0.005],
      [{ route: 'token', status: '2xx' }, 0.5],
      [{ route: 'token', status: '2xx' }, 7],
      [{ route: 'userinfo', status: '4xx' }, 0.01],
      [{ route: 'userinfo', status: '4xx' }, 0.0100001],
    ];
    const series = new Map<string, ReturnType<LatencyHistogram['seriesFor']>>();
    for (const [labels, value] of observations) {
      const key = JSON.stringify(labels);
      if (!series.has(key)) series.set(key, histogram.seriesFor(labels));
      series.get(key)!.observe(value);
      reference.observe(labels, value);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('latency_seconds_bucket{le="0.005",route="token",status="2xx"} 2');
    expect(text).toContain('latency_seconds_bucket{le="+Inf",route="token",status="2xx"} 4');
    expect(text).toContain('latency_seconds_bucket{le="0.01",route="userinfo",status="4xx"} 1');
  });
});
