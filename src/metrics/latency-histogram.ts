import type { Metric, Registry } from 'prom-client';

/** A line of the exposition as prom-client's registry prints it. */
interface ExposedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative), the last for those above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** One label set's series: observe() is an array step, with no labels to check or hash. */
export interface HistogramSeries {
  observe(value: number): void;
}

/**
 * A Prometheus histogram for what is observed on every request. prom-client's own checks and
 * hashes its labels on each observation; here a series is looked up once per label set and each
 * observation only counts. The registry reads it as it reads prom-client's histograms (get), so
 * /metrics shows the same families and lines.
 */
export class LatencyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: Series[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** A new series for these labels: the caller keeps it (once per distinct label set). */
  seriesFor(labels: Record<string, string>): HistogramSeries {
    const series: Series = { labels, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
    this.series.push(series);
    const { bounds } = this;
    return {
      observe(value) {
        let bucket = 0;
        while (bucket < bounds.length && value > bounds[bucket]!) bucket += 1;
        series.counts[bucket]! += 1;
        series.sum += value;
        series.count += 1;
      },
    };
  }

  get() {
    const values: ExposedValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.series) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += counts[index]!;
        values.push({ metricName: bucket, labels: { le: bound, ...labels }, value: cumulative });
      });
      values.push({ metricName: bucket, labels: { le: '+Inf', ...labels }, value: count });
      values.push({ metricName: `${this.name}_sum`, labels, value: sum });
      values.push({ metricName: `${this.name}_count`, labels, value: count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }
}
