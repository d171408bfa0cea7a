import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { averageTask, capacityPerSecond, loadShares } from "../../bench/scheduler/capacity.ts";
import { mean } from "../../bench/scheduler/distributions.ts";
import { type CurvePoint, isDominated, judgeFrontier } from "../../bench/scheduler/frontier.ts";
import { stream } from "../../bench/scheduler/random.ts";
import { modelState, schedulerTask } from "../../bench/scheduler/scheduler-view.ts";
import { buildPool, type PoolEntry, trueLevel } from "../../bench/scheduler/sim-models.ts";
import { generateTasks, type KindSpec, streamsOf } from "../../bench/scheduler/world.ts";
import { flatOverclaimed } from "../../bench/scheduler/worlds/flat-overclaimed.ts";
import { trace, traceAccept } from "../../bench/scheduler/worlds/trace.ts";
import { worlds } from "../../bench/scheduler/worlds/worlds.ts";
import { staticExclusion } from "../../src/scheduler/hard-constraints.ts";

const entry = (over: Partial<PoolEntry> & { id: string }): PoolEntry => ({
  capabilities: { code: 5 },
  maxComplexity: 10,
  contextWindow: 100_000,
  price: [1, 1],
  concurrency: 1,
  fallback: [],
  sim: {
    baseLatencyMs: 1_000,
    perOutputTokenMs: 10,
    failureRate: 0,
    rateLimitBurstRate: 0,
    rateLimitBurstMs: 0,
    retryAfterSeconds: 0,
  },
  skillOffset: {},
  ...over,
});

const fixed = (value: number) => ({ kind: "uniform", min: value, max: value }) as const;

const kind = (over: Partial<KindSpec> = {}): KindSpec => ({
  stage: "Work",
  capabilities: ["code"],
  complexity: fixed(5),
  inputTokens: fixed(900),
  outputTokens: fixed(100),
  urgency: [0, 0],
  deadlineS: fixed(60),
  ...over,
});

describe("the pool's capacity", () => {
  it("is Σ concurrency ÷ mean attempt latency on the average task, capped by rpm and tpm", () => {
    const kinds = { a: kind(), b: kind({ inputTokens: fixed(2_700), outputTokens: fixed(300) }) };
    // The average task, half of each kind: 1,800 input and 200 output tokens.
    assert.deepEqual(averageTask(kinds, { a: 1, b: 1 }), { inputTokens: 1_800, outputTokens: 200 });
    const pool = buildPool([
      // 1 s + 10 ms × 200 = 3 s an attempt, 4 at once: 4/3 per second, capped by 60 rpm to 1.
      entry({ id: "a", concurrency: 4, requestsPerMinute: 60 }),
      // 2 at once, 3 s each: 2/3 per second.
      entry({ id: "b", concurrency: 2 }),
      // 6,000 tokens a minute of 2,000-token tasks: 3 a minute, 0.05 per second.
      entry({ id: "c", concurrency: 8, tokensPerMinute: 6_000 }),
    ]);
    const capacity = capacityPerSecond(pool, kinds, { a: 1, b: 1 });
    assert.ok(Math.abs(capacity - (1 + 2 / 3 + 0.05)) < 1e-9, `${capacity}`);
  });

  it("sets each load's mean arrival rate to load × capacity, in proportion across loads", () => {
    for (const world of [trace, flatOverclaimed]) {
      const capacity = capacityPerSecond(world.models(), world.kinds, world.mix);
      assert.deepEqual(
        world.scenarios.map((s) => s.load?.share),
        [...loadShares],
      );
      for (const scenario of world.scenarios) {
        assert.ok(Math.abs(scenario.load!.perSecond - scenario.load!.share * capacity) < 1e-9, scenario.name);
      }
    }
  });

  it("draws the arrivals of a lower load as a subset of a higher one's, near load × capacity on average", () => {
    for (const world of [trace, flatOverclaimed]) {
      const [low, middle, high] = world.scenarios;
      let offered = 0;
      let arrived = 0;
      for (let seed = 1; seed <= 6; seed++) {
        const at = (s: typeof low) => s!.arrivals(stream("arrivals", streamsOf(s!), seed), s!.horizonMs);
        const [a, b, c] = [at(low), at(middle), at(high)];
        const higher = new Set(b);
        assert.ok(
          a.every((t) => higher.has(t)),
          world.name,
        );
        assert.ok(c.length >= b.length && b.length >= a.length);
        offered += high!.load!.perSecond * (high!.horizonMs / 1_000);
        arrived += c.length;
      }
      // Six seeds of bursty traffic: within a quarter of the mean.
      assert.ok(Math.abs(arrived / offered - 1) < 0.25, `${world.name}: ${arrived} of ${offered}`);
    }
  });
});

describe("the trace world", () => {
  const small = trace.models().find((m) => m.config.id === "trace-small")!;
  const chat = (complexity: number) => ({
    ...generateTasks(trace, trace.scenarios[0]!, 1)[0]!,
    capabilities: ["writing"],
    complexity,
  });

  it("accepts ≈75 % at the model's true level, ≈25 % one below, ≈4 % two below, most above", () => {
    const level = trueLevel(small, ["writing"]);
    assert.ok(Number.isInteger(level));
    const at = (gap: number) => traceAccept(small, chat(level - gap));
    assert.ok(Math.abs(at(0) - 0.75) < 0.005, `${at(0)}`);
    assert.ok(Math.abs(at(-1) - 0.25) < 0.005, `${at(-1)}`);
    assert.ok(Math.abs(at(-2) - 0.04) < 0.01, `${at(-2)}`);
    assert.ok(at(1) > 0.95);
  });

  it("hides a true level per capability within one of the declared one", () => {
    for (const model of trace.models()) {
      for (const [skill, declared] of Object.entries(model.config.capabilities)) {
        const offset = trueLevel(model, [skill]) - declared;
        assert.ok(
          Number.isInteger(offset) && Math.abs(offset) <= 1,
          `${model.config.id}/${skill}: ${offset}`,
        );
      }
    }
    const offsets = trace.models().flatMap((m) => Object.values(m.truth.skillOffset));
    assert.ok(
      offsets.some((o) => o !== 0),
      "some model is not what it declares",
    );
  });

  it("has a free local model with two slots that long tasks cannot use, and a strong one 40–50× the small one", () => {
    const pool = trace.models();
    const local = pool.find((m) => m.config.id === "trace-local")!;
    assert.equal(local.config.price.inputPerMTok + local.config.price.outputPerMTok, 0);
    assert.equal(local.config.concurrency, 2);
    const tasks = generateTasks(trace, trace.scenarios[0]!, 1);
    const long = tasks.filter(
      (t) => t.estimatedInputTokens + t.estimatedOutputTokens > local.config.contextWindow,
    );
    assert.ok(long.length > 0 && long.length < tasks.length / 2);
    const state = modelState({ sim: local, inFlight: 0, starts: [], cooldownUntil: 0 }, 0, 0);
    const easy = { ...long[0]!, complexity: 1 };
    const view = schedulerTask(easy, { number: 1, readyAt: 0, previousModel: null });
    assert.equal(staticExclusion(view, state)?.kind, "context");
    const strong = pool.find((m) => m.config.id === "trace-strong")!;
    const { inputTokens, outputTokens } = averageTask(trace.kinds, trace.mix);
    const costOf = (m: typeof small) =>
      inputTokens * m.config.price.inputPerMTok + outputTokens * m.config.price.outputPerMTok;
    const times = costOf(strong) / costOf(small);
    assert.ok(times >= 40 && times <= 50, `${times}`);
  });
});

describe("the flat-overclaimed world", () => {
  it("has strong models that over-declare, a cheap one that under-declares, and a kind needing no capability", () => {
    const pool = flatOverclaimed.models();
    const price = (m: (typeof pool)[number]) => m.config.price.inputPerMTok + m.config.price.outputPerMTok;
    const byPrice = [...pool].sort((a, b) => price(a) - price(b));
    assert.ok(trueLevel(byPrice[0]!, ["code"]) > byPrice[0]!.config.capabilities.code!);
    for (const strong of byPrice.slice(-2))
      assert.ok(trueLevel(strong, ["code"]) < strong.config.capabilities.code!);
    assert.ok(Object.values(flatOverclaimed.kinds).some((k) => k.capabilities.length === 0));
    // A task needing none is judged by the mean of the true levels.
    const tiny = byPrice[0]!;
    assert.equal(trueLevel(tiny, []), (3 + 2 + 4 + 2) / 2);
  });
});

describe("every world", () => {
  it("is named, described, says whether it was written before the scheduler changed, and has seeds", () => {
    assert.deepEqual(
      worlds.map((w) => [w.name, w.writtenBeforeSchedulerChanges]),
      [
        ["classic", false],
        ["trace", true],
        ["flat-overclaimed", true],
      ],
    );
    const names = worlds.flatMap((w) => w.scenarios.map((s) => s.name));
    assert.equal(new Set(names).size, names.length, "scenario names are unique");
    for (const world of worlds) {
      assert.ok(world.description.length > 0 && world.seeds > 0);
      for (const k of Object.values(world.kinds)) assert.ok(mean(k.deadlineS) > 0);
    }
  });
});

describe("the frontier's verdicts", () => {
  const curve: CurvePoint[] = [
    { priceOfLateness: 0, cost: 5, weightedTardiness: 1_000 },
    { priceOfLateness: 0.05, cost: 8, weightedTardiness: 300 },
    { priceOfLateness: 1, cost: 12, weightedTardiness: 100 },
  ];

  it("counts a point dominated when some curve point costs no more and is no later", () => {
    assert.equal(isDominated({ cost: 8, weightedTardiness: 300 }, curve), true, "equal counts");
    assert.equal(isDominated({ cost: 10, weightedTardiness: 500 }, curve), true);
    assert.equal(isDominated({ cost: 4, weightedTardiness: 5_000 }, curve), false, "cheaper than all");
    assert.equal(isDominated({ cost: 9, weightedTardiness: 200 }, curve), false, "between the points");
  });

  it("names the baselines not dominated, and judges the default price against the latest-free baseline", () => {
    const verdict = judgeFrontier(
      [
        { strategy: "a", cost: 10, weightedTardiness: 500 },
        { strategy: "b", cost: 9, weightedTardiness: 200 },
        { strategy: "c", cost: 4, weightedTardiness: 5_000 },
      ],
      curve,
      0.05,
    );
    assert.deepEqual(verdict.notDominated, ["b", "c"]);
    assert.equal(verdict.dominates, false);
    assert.equal(verdict.best.strategy, "b");
    assert.equal(verdict.tardinessRatio, 300 / 200);
    assert.equal(verdict.costRatio, 8 / 9);
    assert.equal(verdict.targetMet, false);
  });

  it("meets the target at ≤ 0.7 × the best baseline's tardiness and ≤ 1.05 × its cost, not beyond", () => {
    const judge = (cost: number, weightedTardiness: number) =>
      judgeFrontier(
        [
          { strategy: "best", cost: 10, weightedTardiness: 1_000 },
          { strategy: "dear", cost: 50, weightedTardiness: 2_000 },
        ],
        [{ priceOfLateness: 0.05, cost, weightedTardiness }],
        0.05,
      );
    assert.equal(judge(10.5, 700).targetMet, true);
    assert.equal(judge(10.5, 700).dominates, false, "the cheaper best baseline is not dominated");
    assert.equal(judge(10.6, 700).targetMet, false, "too dear");
    assert.equal(judge(10, 710).targetMet, false, "not early enough");
    assert.equal(judge(9, 500).dominates, true);
    assert.equal(judge(0, 0).tardinessRatio, 0);
  });
});
