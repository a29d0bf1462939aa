import type { Metric, Registry } from 'prom-client';

type RequestLabels = { method: string; route: string; status: string };

interface Series {
  labels: RequestLabels;
  count: number;
  sum: number;
  /** Observations per bucket, not cumulative; the last one is above every bound. */
  buckets: number[];
}

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * Requests by method, route template and status, and their latencies: a few nested lookups and
 * additions per request, turned into prom-client's counter and histogram only when scraped. prom-client's
 * own Counter and Histogram validate and hash their label object on every call (3.4 % of the HTTP stack).
 */
export class RequestMetrics {
  private readonly series = new Map<string, Map<string, Map<number, Series>>>();

  constructor(
    private readonly names: { requests: string; latency: string },
    private readonly help: { requests: string; latency: string },
    private readonly bounds: readonly number[],
  ) {}

  observe(method: string, route: string, status: number, seconds: number): void {
    let byMethod = this.series.get(route);
    if (!byMethod) this.series.set(route, (byMethod = new Map<string, Map<number, Series>>()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map<number, Series>()));
    let series = byStatus.get(status);
    if (!series) {
      series = {
        labels: { method, route, status: String(status) },
        count: 0,
        sum: 0,
        buckets: new Array<number>(this.bounds.length + 1).fill(0),
      };
      byStatus.set(status, series);
    }
    series.count += 1;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < this.bounds.length && seconds > (this.bounds[bucket] as number)) bucket += 1;
    series.buckets[bucket] = (series.buckets[bucket] as number) + 1;
  }

  /** Registers the counter and the histogram; the registry (and the cluster aggregator) reads them like its own. */
  registerIn(registry: Registry): void {
    const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => ExportedValue[]) => ({
      name,
      help,
      type,
      aggregator: 'sum' as const,
      get: async () => ({ name, help, type, aggregator: 'sum' as const, values: values() }),
      reset: () => this.series.clear(),
    });
    // prom-client's registry takes any object with get(); its own cluster aggregator registers such objects too.
    registry.registerMetric(metric(this.names.requests, this.help.requests, 'counter', () => this.requestValues()) as unknown as Metric);
    registry.registerMetric(metric(this.names.latency, this.help.latency, 'histogram', () => this.latencyValues()) as unknown as Metric);
  }

  private all(): Series[] {
    return [...this.series.values()].flatMap((byMethod) => [...byMethod.values()].flatMap((byStatus) => [...byStatus.values()]));
  }

  private requestValues(): ExportedValue[] {
    return this.all().map((series) => ({ labels: series.labels, value: series.count }));
  }

  private latencyValues(): ExportedValue[] {
    const name = this.names.latency;
    return this.all().flatMap((series) => {
      let cumulative = 0;
      const buckets = this.bounds.map((le, index) => {
        cumulative += series.buckets[index] as number;
        return { labels: { ...series.labels, le }, value: cumulative, metricName: `${name}_bucket` };
      });
      return [
        ...buckets,
        { labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${name}_bucket` },
        { labels: series.labels, value: series.sum, metricName: `${name}_sum` },
        { labels: series.labels, value: series.count, metricName: `${name}_count` },
      ];
    });
  }
}
