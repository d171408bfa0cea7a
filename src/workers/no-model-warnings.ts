import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { AssignmentResult } from "../models/model-assignment.ts";
import type { ModelWaitCause } from "../tasks/task.ts";

/** What a person can do about each cause, said after the scheduler's reason. */
const advice: Record<Exclude<ModelWaitCause, "capacity">, string> = {
  unavailable: "configure models that can take them, see README, Models",
  budget:
    "budgets start again with the next UTC day or month; raise them in the configuration, see README, Models",
  cooldown: "the models answered 429 or a server error; these tasks are tried again when the cooldown ends",
  rate_limit:
    "the models are at their configured requests or tokens per minute; these tasks are tried again within seconds",
};

/** Each kind and cause is warned about at most this often. */
const warnEveryMs = 60_000;

/** The most task ids remembered per kind and cause between two warnings. */
const maxRemembered = 100_000;

interface Pending {
  kind: string;
  cause: Exclude<ModelWaitCause, "capacity">;
  tasks: Set<number>;
  /** The scheduler's latest words for this kind and cause. */
  reason: string;
}

/**
 * Warnings for tasks a worker claimed and could not give a model: without them, a worker with no
 * models configured leaves tasks queued forever and says nothing. One warning names the kinds, how
 * many tasks and the scheduler's reason, with what to do; each kind and cause is warned about at
 * most once a minute, the tasks handed back meanwhile counted in the next. Models at their
 * concurrency limit are the queue working as meant, and are not warned about.
 */
export class NoModelWarnings {
  readonly #pending = new Map<string, Pending>();
  readonly #warnedAt = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly workerId: string,
    private readonly clock: Clock,
  ) {}

  note(waiting: AssignmentResult["waiting"]): void {
    for (const { task, cause, assignment } of waiting) {
      if (cause === "capacity") continue;
      const key = `${task.kind}\u0000${cause}`;
      const pending = this.#pending.get(key) ?? { kind: task.kind, cause, tasks: new Set(), reason: "" };
      if (pending.tasks.size < maxRemembered) pending.tasks.add(task.id);
      pending.reason = assignment.reason;
      this.#pending.set(key, pending);
    }
    const now = this.clock.now().getTime();
    const due = [...this.#pending.entries()].filter(
      ([key]) => now - (this.#warnedAt.get(key) ?? Number.NEGATIVE_INFINITY) >= warnEveryMs,
    );
    for (const [key] of due) {
      this.#pending.delete(key);
      this.#warnedAt.set(key, now);
    }
    const byCause = new Map<Pending["cause"], Pending[]>();
    for (const [, pending] of due)
      byCause.set(pending.cause, [...(byCause.get(pending.cause) ?? []), pending]);
    for (const [cause, groups] of byCause) this.#warn(cause, groups);
  }

  #warn(cause: Pending["cause"], groups: Pending[]): void {
    const kinds = groups.map((g) => g.kind).sort();
    const tasks = groups.reduce((sum, g) => sum + g.tasks.size, 0);
    const reasons = [...new Set(groups.map((g) => g.reason))];
    const more =
      reasons.length > 1 ? ` (and ${reasons.length - 1} other reason${reasons.length > 2 ? "s" : ""})` : "";
    this.logger.warn(
      { worker: this.workerId, kinds, cause, tasks, reasons },
      `${tasks} ${tasks === 1 ? "task" : "tasks"} of ${kinds.length === 1 ? "kind" : "kinds"} ${kinds.join(", ")} ` +
        `cannot run: ${reasons[0]}${more} (${advice[cause]}). They wait in the queue without using an attempt; ` +
        "this warning comes at most once a minute for each kind and reason",
    );
  }
}
