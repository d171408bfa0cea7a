import type { ConfigResult, RoundFigures, SystemResult } from "./report.ts";
import { median, type Pickup } from "./stats.ts";

/** A figure over the rounds: the median of its per-round values, with their min and max. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  perRound: number[];
}

export function spread(perRound: number[]): Spread {
  return {
    median: median(perRound),
    min: Math.min(...perRound),
    max: Math.max(...perRound),
    perRound,
  };
}

/** What a comparison measures; for pickup, lower is better. */
export type Metric = "tasks/s" | "pickup p50" | "pickup p99";
export const metrics: Metric[] = ["tasks/s", "pickup p50", "pickup p99"];

function figure(round: RoundFigures, metric: Metric): number {
  if (metric === "tasks/s") return round.tasksPerS;
  return metric === "pickup p50" ? round.pickup.p50 : round.pickup.p99;
}

/**
 * One system's figure divided by a peer's, round by round: both ran in the same round, minutes
 * apart, so the machine's slow spells largely cancel out. A ratio of medians would not: one
 * system's good round and the other's bad one would meet in it.
 */
export function ratio(system: SystemResult, peer: SystemResult, metric: Metric): Spread {
  const rounds = Math.min(system.perRound.length, peer.perRound.length);
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++)
    ratios.push(figure(system.perRound[r]!, metric) / figure(peer.perRound[r]!, metric));
  return spread(ratios);
}

/** A system's own figure over the rounds (PGlite has no peer on its backend). */
export function absolute(system: SystemResult, metric: Metric): Spread {
  return spread(system.perRound.map((r) => figure(r, metric)));
}

export interface Comparison {
  system: SystemResult;
  /** null: the system's own figure, not a ratio. */
  peer: SystemResult | null;
  metric: Metric;
  value: Spread;
}

/** Steward on PostgreSQL against each peer; Steward on PGlite on its own. */
export function comparisons(results: SystemResult[]): Comparison[] {
  const find = (system: string, backend: string) =>
    results.find((r) => r.system === system && r.backend === backend);
  const out: Comparison[] = [];
  const stewardPg = find("steward", "postgres");
  for (const name of ["graphile-worker", "pg-boss"]) {
    const peer = find(name, "postgres");
    if (stewardPg && peer)
      for (const metric of metrics)
        out.push({ system: stewardPg, peer, metric, value: ratio(stewardPg, peer, metric) });
  }
  const lite = find("steward", "pglite");
  if (lite)
    for (const metric of metrics)
      out.push({ system: lite, peer: null, metric, value: absolute(lite, metric) });
  return out;
}

/** The configuration with the highest median throughput over the rounds. */
export function bestConfig(sweep: ConfigResult[]): number {
  return sweep.reduce((best, s, j) => (s.tasksPerS > sweep[best]!.tasksPerS ? j : best), 0);
}

/** Per-round pickup figures summarised as the median of each percentile over the rounds. */
export function medianPickup(rounds: Pickup[]): Pickup {
  return {
    samples: rounds.reduce((sum, p) => sum + p.samples, 0),
    p50: median(rounds.map((p) => p.p50)),
    p95: median(rounds.map((p) => p.p95)),
    p99: median(rounds.map((p) => p.p99)),
    max: Math.max(...rounds.map((p) => p.max)),
  };
}
