import type { Logger } from "pino";
import type { Queryable } from "../db/database.ts";
import { type AttemptReport, type CompletedTask, completeTasks } from "../tasks/complete-tasks.ts";

/**
 * Collects finished attempts and writes them in batches: everything reported while one write
 * is under way goes into the next, so a busy worker writes one statement per few hundred tasks
 * and an idle one writes at once (no batching delay). A failed write (the database restarting)
 * is retried with backoff until it succeeds; reports are fenced by lease, so a report written
 * twice changes nothing the second time.
 */
export class CompletionBatcher {
  readonly #pending: AttemptReport[] = [];
  /** Claims the worker is done with, removed by the write that takes the last pending report. */
  readonly #spentClaims: number[] = [];
  #writing: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #closed = false;

  constructor(
    private readonly db: Queryable,
    private readonly workerId: string,
    private readonly options: { urgencyStepSeconds: number; maxBatch: number; logger: Logger },
    private readonly onWritten: (reports: AttemptReport[], completed: CompletedTask[]) => void,
  ) {}

  /** Reports not yet written. */
  get size(): number {
    return this.#pending.length;
  }

  add(report: AttemptReport): void {
    this.#pending.push(report);
    this.#write();
  }

  /**
   * A claim none of whose tasks the worker runs any more (claimTaskBatch). Its row must outlive
   * the reports of its tasks: a worker that died between the two writes would otherwise leave
   * running tasks that no claim covers, whose leases no one would see expire. So it is removed
   * by the next write that leaves no report pending; reports added before this call are among
   * them. A claim is no reason to write: one whose tasks ended unreported (cancelled, lost)
   * waits for the next report, or for maintenance, which removes claims with nothing running.
   */
  forgetClaim(claimId: number): void {
    this.#spentClaims.push(claimId);
  }

  #write(): void {
    this.#writing ??= this.#writeAll().finally(() => {
      this.#writing = null;
    });
  }

  /**
   * Writes everything reported so far, for at most `deadlineMs`, then stops: reports still
   * unwritten (the database stayed away) are given up, and their number answered. Their tasks
   * are not lost: their leases run out and maintenance hands them back to the queue, to run again
   * (the reason to wait as long as a lease: a report written after it is refused by its fence).
   */
  async close(deadlineMs: number): Promise<number> {
    if (this.#writing !== null) {
      this.#wake?.(); // retry at once instead of waiting out the backoff
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#writing,
        new Promise((resolve) => (timer = setTimeout(resolve, deadlineMs))),
      ]);
      clearTimeout(timer);
    }
    // A statement still under way ends by itself; its reports, if it fails, are not retried.
    this.#closed = true;
    this.#wake?.();
    const abandoned = this.#pending.length;
    this.#pending.length = 0;
    return abandoned;
  }

  async #writeAll(): Promise<void> {
    // Let reports from the same turn of the event loop join this batch.
    await new Promise((resolve) => setImmediate(resolve));
    let failures = 0;
    while (this.#pending.length > 0 && !this.#closed) {
      const batch = this.#pending.splice(0, this.options.maxBatch);
      const spent = this.#pending.length === 0 ? this.#spentClaims.splice(0) : [];
      try {
        const completed = await completeTasks(
          this.db,
          this.workerId,
          batch,
          this.options.urgencyStepSeconds,
          spent,
        );
        failures = 0;
        this.onWritten(batch, completed);
      } catch (error) {
        this.#pending.unshift(...batch);
        this.#spentClaims.unshift(...spent);
        failures += 1;
        if (this.#closed) break;
        const delay = Math.min(5_000, 50 * 2 ** failures);
        this.options.logger.warn(
          { err: error, reports: this.#pending.length, retryInMs: delay },
          "could not record finished tasks; retrying",
        );
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = null;
      }
    }
  }
}
