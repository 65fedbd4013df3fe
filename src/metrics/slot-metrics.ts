/**
 * A counter and a histogram for the per-request metrics (`http-metrics.ts`). prom-client's
 * `labels(...).inc()` / `.observe(v)` check and hash the label set on every call, even on a cached child (about
 * a microsecond each, three a request). Here a label set is looked up once, by the caller's key, to a slot of
 * plain numbers that a request adds to; prom-client reads the slots when `/metrics` is scraped, so the text it
 * serves is the same.
 */
import client from 'prom-client';

type Labels<L extends string> = Record<L, string>;

export interface CounterSlot {
  value: number;
}

export interface HistogramSlot {
  /** Observations per bucket (not cumulative), the last one above every bound (`+Inf`). */
  readonly buckets: number[];
  sum: number;
  count: number;
}

function slotOf<S>(slots: Map<string, { labels: object; slot: S }>, key: string, labels: object, make: () => S): S {
  let entry = slots.get(key);
  if (entry === undefined) {
    entry = { labels, slot: make() };
    slots.set(key, entry);
  }
  return entry.slot;
}

export class SlotCounter<L extends string> extends client.Counter<L> {
  private readonly slots = new Map<string, { labels: Labels<L>; slot: CounterSlot }>();

  constructor(config: client.CounterConfiguration<L>) {
    // At scrape time the slots become prom-client's own values (public API, once per label set).
    super({ ...config, collect: () => this.refill() });
  }

  /** The slot of one label set; `key` must tell label sets apart. */
  slot(key: string, labels: Labels<L>): CounterSlot {
    return slotOf(this.slots, key, labels, () => ({ value: 0 }));
  }

  private refill(): void {
    super.reset();
    for (const { labels, slot } of this.slots.values()) this.inc(labels, slot.value);
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    this.slots?.clear();
  }
}

export class SlotHistogram<L extends string> extends client.Histogram<L> {
  private readonly slots = new Map<string, { labels: Labels<L>; slot: HistogramSlot }>();
  private readonly bounds: readonly number[];
  private readonly names: { name: string; help: string };

  constructor(config: client.HistogramConfiguration<L> & { buckets: number[] }) {
    super(config);
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.names = { name: config.name, help: config.help };
  }

  /** The slot of one label set; `key` must tell label sets apart. */
  slot(key: string, labels: Labels<L>): HistogramSlot {
    return slotOf(this.slots, key, labels, () => ({ buckets: new Array(this.bounds.length + 1).fill(0), sum: 0, count: 0 }));
  }

  /** Adds one observation (seconds) to a slot. */
  record(slot: HistogramSlot, value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    slot.buckets[i]++;
    slot.sum += value;
    slot.count++;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor resets too, before this class's fields exist.
    this.slots?.clear();
  }

  /** prom-client's shape: cumulative `_bucket` values (`le` first), then `_sum` and `_count`, per label set. */
  async getForPromString() {
    const { name, help } = this.names;
    const values = [];
    for (const { labels, slot } of this.slots.values()) {
      let below = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        below += slot.buckets[i];
        values.push({ labels: { le: this.bounds[i] }, sharedLabels: labels, value: below, metricName: `${name}_bucket` });
      }
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: labels, value: slot.count, metricName: `${name}_bucket` },
        { labels: {}, sharedLabels: labels, value: slot.sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels: labels, value: slot.count, metricName: `${name}_count` },
      );
    }
    return { name, help, type: 'histogram' as const, values, aggregator: 'sum' as const };
  }

  override async get(): Promise<client.MetricObjectWithValues<client.MetricValueWithName<L>>> {
    const data = await this.getForPromString();
    const values = data.values.map(({ labels, sharedLabels, value, metricName }) => ({ labels: { ...labels, ...sharedLabels }, value, metricName }));
    // prom-client types `type` as an enum it does not export at run time.
    return { ...data, values, collect: () => {} } as unknown as client.MetricObjectWithValues<client.MetricValueWithName<L>>;
  }
}
