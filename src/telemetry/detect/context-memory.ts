/**
 * The context memory of the Contextual Anomaly Detector (CAD OSE, M. Smirnov 2016; the
 * algorithm of NAB's "contextOSE" detector, written anew here from its description).
 *
 * Words:
 * - a **fact** is a number: a sensor fact says "bit s of the quantised value is b"; a neuron
 *   fact says "context c was active at the last step".
 * - a **context** is a pair (left facts, right facts): "after the left facts, the right facts
 *   followed". Left facts are the sensor and neuron facts of one step, right facts the sensor
 *   facts of the next.
 * - a **semi-context** is one side of a context, kept once and shared by every context with the
 *   same facts on that side (many contexts share a left or a right side).
 * - **crossing** a side with a set of facts finds, for each semi-context of that side, which of
 *   its facts are present: fully crossed semi-contexts match; partly crossed ones are where new,
 *   smaller contexts can be formed (the intersection of what was remembered and what happened).
 *
 * Each context counts how often it was selected (its left side fully matched), how many of its
 * right facts then came (`predicted` of `selected`, its prediction weight) and how often it came
 * true entirely (`activations`; the most activated become the neuron facts of the next step).
 */
export interface SemiContext {
  id: number;
  facts: readonly number[];
  /** The facts of this semi-context found by the side's last crossing, in crossing order. */
  crossed: number[];
  /** Left side only: right semi-context id → context id. */
  contexts: Map<number, number>;
}

export interface Context {
  id: number;
  /** Right facts expected over all the times the left side matched. */
  selected: number;
  /** Of those, the ones that came. */
  predicted: number;
  activations: number;
  rightFacts: readonly number[];
  /** Made from two whole steps (not from a crossing), or confirmed as such later. */
  zeroLevel: boolean;
  leftId: number;
  rightId: number;
}

export type FactPair = readonly [left: readonly number[], right: readonly number[]];

const keyOf = (facts: readonly number[]) => facts.join(",");

class ContextSide {
  readonly list: SemiContext[] = [];
  private readonly byKey = new Map<string, SemiContext>();
  private readonly byFact = new Map<number, SemiContext[]>();
  /** Semi-contexts the last crossing touched, in order of id (as a scan of `list` finds them). */
  crossed: SemiContext[] = [];

  find(facts: readonly number[]): SemiContext | undefined {
    return this.byKey.get(keyOf(facts));
  }

  intern(facts: readonly number[]): SemiContext {
    const key = keyOf(facts);
    let semi = this.byKey.get(key);
    if (semi === undefined) {
      semi = { id: this.list.length, facts, crossed: [], contexts: new Map() };
      this.list.push(semi);
      this.byKey.set(key, semi);
      for (const fact of facts) {
        const holders = this.byFact.get(fact);
        if (holders === undefined) this.byFact.set(fact, [semi]);
        else holders.push(semi);
      }
    }
    return semi;
  }

  cross(facts: readonly number[]): void {
    for (const semi of this.crossed) semi.crossed = [];
    // Only semi-contexts holding one of the facts can be touched: collect them instead of
    // scanning every semi-context (the memory grows with the series), then restore id order.
    const touched: SemiContext[] = [];
    for (const fact of facts)
      for (const semi of this.byFact.get(fact) ?? []) {
        if (semi.crossed.length === 0) touched.push(semi);
        semi.crossed.push(fact);
      }
    touched.sort((a, b) => a.id - b.id);
    this.crossed = touched;
  }
}

export class ContextMemory {
  private readonly left = new ContextSide();
  private readonly right = new ContextSide();
  private readonly contexts: Context[] = [];
  /** The zero-level context made at this step: not scored against the step that made it. */
  private newContextId = -1;

  constructor(
    private readonly maxLeftSemiContextLength: number,
    private readonly maxContexts: number,
  ) {}

  get size(): number {
    return this.contexts.length;
  }

  /**
   * Stores a context if it is new; says whether it was. A full memory stores nothing more but
   * still answers "new" for a context it does not hold: the anomaly score keeps its meaning (this
   * situation was never seen) while the cost of a step stays bounded. On pure noise every step
   * makes new contexts (NAB's art_noisy: 63,000 in 4,000 points); the real NAB series stay under
   * 13,000.
   */
  private add([leftFacts, rightFacts]: FactPair, zeroLevel: boolean): boolean {
    const full = this.contexts.length >= this.maxContexts;
    const left = full ? this.left.find(leftFacts) : this.left.intern(leftFacts);
    const right = full ? this.right.find(rightFacts) : this.right.intern(rightFacts);
    const existing = left && right ? left.contexts.get(right.id) : undefined;
    if (existing !== undefined) {
      if (zeroLevel) this.contexts[existing]!.zeroLevel = true;
      return false;
    }
    if (full || left === undefined || right === undefined) return true;
    const id = this.contexts.length;
    this.contexts.push({
      id,
      selected: 0,
      predicted: 0,
      activations: 0,
      rightFacts,
      zeroLevel,
      leftId: left.id,
      rightId: right.id,
    });
    left.contexts.set(right.id, id);
    if (zeroLevel) this.newContextId = id;
    return true;
  }

  /** The context "last step's facts → this step's sensor facts": true when it is new. */
  addZeroLevel(pair: FactPair): boolean {
    return this.add(pair, true);
  }

  /**
   * Crosses the right sides with this step's sensor facts and scores every context whose left
   * side matched last step: its counts grow, it is active when all its right facts came, and
   * where only some came (and a new zero-level context was made, i.e. the situation is new),
   * the intersections are proposed as new contexts.
   */
  scoreStep(
    sensorFacts: readonly number[],
    newContextMade: boolean,
  ): { active: Context[]; selected: number; proposals: FactPair[] } {
    this.right.cross(sensorFacts);
    const active: Context[] = [];
    const proposals: FactPair[] = [];
    let selected = 0;
    for (const left of this.left.crossed) {
      const leftFull = left.crossed.length === left.facts.length;
      for (const [rightId, contextId] of left.contexts) {
        if (contextId === this.newContextId) continue;
        const context = this.contexts[contextId]!;
        const right = this.right.list[rightId]!;
        const came = right.crossed.length;
        const propose =
          context.zeroLevel &&
          newContextMade &&
          came > 0 &&
          left.crossed.length <= this.maxLeftSemiContextLength;
        if (leftFull) {
          selected += 1;
          context.selected += right.facts.length;
          if (came === 0) continue;
          context.predicted += came;
          if (came === right.facts.length) {
            context.activations += 1;
            active.push(context);
          } else if (propose) proposals.push([[...left.crossed], [...right.crossed]]);
        } else if (propose) proposals.push([[...left.crossed], [...right.crossed]]);
      }
    }
    this.newContextId = -1;
    return { active, selected, proposals };
  }

  /**
   * Stores the proposed contexts, crosses the left sides with this step's facts (sensor and
   * neuron) and predicts the right facts of the best-weighted fully matched contexts.
   */
  predict(
    leftFacts: readonly number[],
    proposals: readonly FactPair[],
  ): { added: number; predictions: Set<number> } {
    let added = 0;
    for (const pair of proposals) if (this.add(pair, false)) added += 1;
    this.left.cross(leftFacts);
    let best = 0;
    let bestContexts: Context[] = [];
    for (const left of this.left.crossed) {
      if (left.crossed.length !== left.facts.length) continue;
      for (const contextId of left.contexts.values()) {
        const context = this.contexts[contextId]!;
        const weight = context.selected > 0 ? context.predicted / context.selected : 0;
        if (weight > best) {
          best = weight;
          bestContexts = [context];
        } else if (weight === best) bestContexts.push(context);
      }
    }
    const predictions = new Set<number>();
    for (const context of bestContexts) for (const fact of context.rightFacts) predictions.add(fact);
    return { added, predictions };
  }
}
