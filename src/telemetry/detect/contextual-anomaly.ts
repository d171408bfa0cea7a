import { ContextMemory, type FactPair } from "./context-memory.ts";
import { defineDetector, type OnlineDetector, type Step } from "./detector.ts";

/**
 * Contextual anomaly detector: the algorithm of CAD OSE (Contextual Anomaly Detector, open
 * source edition, M. Smirnov 2016, github.com/smirmik/CAD; NAB's "contextOSE", about 70 on the
 * full NAB's standard profile), written anew in TypeScript from its description.
 *
 * 1. Each value is quantised into 2^`valueBits` levels between `min` and `max`; each bit of the
 *    level is a sensor fact.
 * 2. The context memory (context-memory.ts) learns which facts follow which: the facts of one
 *    step (sensor facts plus the neuron facts of the contexts active at it) on the left, the
 *    next step's sensor facts on the right. It predicts the next sensor facts from the
 *    best-weighted contexts whose left side matches now.
 * 3. A value is anomalous when it was not predicted and its situation is new: with a = the share
 *    of selected contexts that came true and b = the share of proposed new contexts that were
 *    really new, the score is (1 − a + b)/2; 0 when every sensor fact was predicted.
 * 4. After a score of at least `baseThreshold`, the next `restPeriod` scores are 0: one anomaly,
 *    one report.
 *
 * The range: NAB hands every detector the series' minimum and maximum beforehand, and `detect`
 * over a whole series does the same (unless `min` and `max` are given). Online (`create`) there
 * is no such thing: unless `min` and `max` are given, the first `warmup` points are held back,
 * their range (widened by `rangeMargin` of its span each way) fixes the quantisation, and then
 * they are fed; later values outside it fall into the end levels. Scores of the held-back points
 * are 0 (NAB does not score its probationary period either).
 *
 * Memory: at most `maxContexts` contexts are stored (see context-memory.ts); a step costs about
 * the number of contexts whose left side shares a fact with it.
 */
export interface ContextualAnomalyParams {
  valueBits: number;
  maxLeftSemiContextLength: number;
  maxActiveNeurons: number;
  maxContexts: number;
  baseThreshold: number;
  restPeriod: number;
  alarmScore: number;
  min: number | null;
  max: number | null;
  warmup: number;
  rangeMargin: number;
}

const SENSOR_BASE = 65_536;
const NEURON_BASE = 2 ** 31;

class ContextualAnomaly implements OnlineDetector {
  private readonly memory: ContextMemory;
  private readonly maxLevel: number;
  private low: number | null;
  private step = 1;
  private held: number[] = [];
  private seen = 0;
  private leftFacts: number[] = [];
  private predicted = new Set<number>();
  /** Index of the last raw score ≥ baseThreshold; NAB's history starts with a 1 at index 0. */
  private lastHigh = 0;
  private scored = 0;

  constructor(private readonly p: ContextualAnomalyParams) {
    this.memory = new ContextMemory(p.maxLeftSemiContextLength, p.maxContexts);
    this.maxLevel = 2 ** p.valueBits - 1;
    this.low = null;
    if (p.min !== null && p.max !== null) this.fixRange(p.min, p.max);
  }

  private fixRange(min: number, max: number): void {
    const span = max - min;
    // A flat range would divide by zero: NAB then takes the number of levels as the range.
    this.low = min;
    this.step = (span === 0 ? this.maxLevel : span) / this.maxLevel;
  }

  update(x: number): Step {
    this.seen += 1;
    if (this.low !== null) return this.score(x);
    this.held.push(x);
    if (this.held.length < this.p.warmup) return { alarm: false, score: 0 };
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of this.held) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    lo = this.p.min ?? lo;
    hi = this.p.max ?? hi;
    const margin = (hi - lo) * this.p.rangeMargin;
    this.fixRange(this.p.min ?? lo - margin, this.p.max ?? hi + margin);
    const held = this.held;
    this.held = [];
    for (const v of held) this.score(v);
    // The held-back points were judged only now: none of them raises an alarm late.
    return { alarm: false, score: 0 };
  }

  private sensorFacts(x: number): number[] {
    const level = Math.min(this.maxLevel, Math.max(0, Math.trunc((x - this.low!) / this.step)));
    const facts: number[] = [];
    for (let bit = 0; bit < this.p.valueBits; bit++) facts.push(SENSOR_BASE + 2 * bit + ((level >> bit) & 1));
    return facts;
  }

  private score(x: number): Step {
    const facts = this.sensorFacts(x);
    const surprised = facts.some((f) => !this.predicted.has(f));
    const { selectedActive, addedNew } = this.learn(facts);
    const raw = surprised ? (1 - selectedActive + addedNew) / 2 : 0;
    this.scored += 1;
    // NAB's rule: no score while any of the last restPeriod raw scores reached baseThreshold.
    const resting = this.lastHigh >= this.scored - this.p.restPeriod;
    if (raw >= this.p.baseThreshold) this.lastHigh = this.scored;
    const score = resting ? 0 : raw;
    return score >= this.p.alarmScore && score > 0
      ? { alarm: true, score, onset: this.seen - 1 }
      : { alarm: false, score };
  }

  /** One step of the context memory; the two shares that make the anomaly score. */
  private learn(sensorFacts: number[]): { selectedActive: number; addedNew: number } {
    const proposed = new Set<string>();
    let newContext = false;
    if (this.leftFacts.length > 0) {
      const pair: FactPair = [this.leftFacts, sensorFacts];
      proposed.add(`${pair[0].join(",")}|${pair[1].join(",")}`);
      newContext = this.memory.addZeroLevel(pair);
    }
    const { active, selected, proposals } = this.memory.scoreStep(sensorFacts, newContext);
    for (const [l, r] of proposals) proposed.add(`${l.join(",")}|${r.join(",")}`);
    const selectedActive = selected > 0 ? active.length / selected : 0;
    // The most often confirmed contexts become this step's neuron facts (ties: the newer ones).
    active.sort((a, b) => a.activations - b.activations || a.leftId - b.leftId || a.rightId - b.rightId);
    const neurons = active.slice(-this.p.maxActiveNeurons).map((c) => NEURON_BASE + c.id);
    this.leftFacts = [...new Set([...sensorFacts, ...neurons])].sort((a, b) => a - b);
    const { added, predictions } = this.memory.predict(this.leftFacts, proposals);
    this.predicted = predictions;
    const addedNew = newContext && proposed.size > 0 ? (added + 1) / proposed.size : 0;
    return { selectedActive, addedNew };
  }
}

export const contextualAnomaly = defineDetector<ContextualAnomalyParams>({
  name: "contextual-anomaly",
  summary: "CAD OSE: learns which value contexts follow which; scores what was neither predicted nor seen",
  params: {
    valueBits: {
      kind: "number",
      default: 3,
      min: 1,
      max: 10,
      integer: true,
      doc: "bits of a quantised value",
    },
    maxLeftSemiContextLength: {
      kind: "number",
      default: 7,
      min: 1,
      integer: true,
      doc: "largest left side of a context formed by crossing",
    },
    maxActiveNeurons: {
      kind: "number",
      default: 15,
      min: 1,
      integer: true,
      doc: "active contexts carried to the next step as facts",
    },
    maxContexts: {
      kind: "number",
      default: 25_000,
      min: 1,
      integer: true,
      doc: "contexts the memory holds; beyond it new ones are judged new but not stored",
    },
    baseThreshold: {
      kind: "number",
      default: 0.75,
      min: 0,
      max: 1,
      doc: "a raw score at or above it starts a rest period",
    },
    restPeriod: {
      kind: "number",
      default: 150,
      min: 1,
      integer: true,
      doc: "points of score 0 after a high score",
    },
    alarmScore: {
      kind: "number",
      default: 0.75,
      min: 0,
      exclusiveMin: true,
      max: 1,
      doc: "alarm at this score",
    },
    min: { kind: "optionalNumber", default: null, doc: "lowest expected value" },
    max: { kind: "optionalNumber", default: null, doc: "highest expected value" },
    warmup: {
      kind: "number",
      default: 750,
      min: 1,
      integer: true,
      doc: "points held back to fix the range when min or max is not given",
    },
    rangeMargin: {
      kind: "number",
      default: 0,
      min: 0,
      doc: "widening of the warm-up range, as a share of its span, each way",
    },
  },
  make: (p) => new ContextualAnomaly(p),
  // A whole series (steward detect, the benchmark) has a known range, which NAB hands every
  // detector too; a non-finite value is left for runOnline to refuse, naming its index.
  fromSeries: (series, p) => {
    if (p.min !== null && p.max !== null) return p;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const v of series)
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    if (lo > hi) return p;
    return { ...p, min: p.min ?? lo, max: p.max ?? hi };
  },
});
