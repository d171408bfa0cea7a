/**
 * Bounded label values for Prometheus. Every distinct label set is a time series the scraper
 * stores for as long as it keeps data, so a label must never take values without bound (task
 * ids never appear). Kinds and models are bounded by the registry and the configuration, but
 * stages are free text from whoever enqueues: each dimension keeps the first `limit` values it
 * sees, and any value after those is counted as "other".
 */
export const labelLimits = { stage: 50, kind: 100, model: 50 } as const;

export type LabelDimension = keyof typeof labelLimits;

/** What a label says when the value is past its dimension's limit. */
export const otherLabel = "other";
/** The model label of an attempt that ran on no model. */
export const noModelLabel = "none";

export class LabelLimits {
  readonly #seen: Record<LabelDimension, Set<string>> = {
    stage: new Set(),
    kind: new Set(),
    model: new Set(),
  };
  readonly #limits: Record<LabelDimension, number>;

  constructor(limits: Partial<Record<LabelDimension, number>> = {}) {
    this.#limits = { ...labelLimits, ...limits };
  }

  /** The label value for `raw`: itself while its dimension has room or already holds it, else "other". */
  value(dimension: LabelDimension, raw: string): string {
    const seen = this.#seen[dimension];
    if (seen.has(raw)) return raw;
    if (seen.size >= this.#limits[dimension]) return otherLabel;
    seen.add(raw);
    return raw;
  }

  model(aiModel: string | null | undefined): string {
    return aiModel ? this.value("model", aiModel) : noModelLabel;
  }
}
