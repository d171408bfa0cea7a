/**
 * The claims whose tasks run in one worker (claimTaskBatch), each counted down as its tasks end.
 * A claim's row in task_claims is how expired leases are found; once none of its tasks runs
 * here, the worker hands it to `forget` (CompletionBatcher.forgetClaim removes the row).
 */
export class ClaimLedger {
  readonly #left = new Map<number, number>();

  constructor(private readonly forget: (claimId: number) => void) {}

  /**
   * A claim whose `running` tasks started here. null: some of its tasks stay leased to this
   * worker without running (their model assignment failed); the claim is kept until their
   * leases expire and maintenance removes it.
   */
  opened(claimId: number, running: number | null): void {
    if (running === null) return;
    if (running === 0) this.forget(claimId);
    else this.#left.set(claimId, running);
  }

  /** One task of the claim ended here: finished, handed back, cancelled or lost. */
  ended(claimId: number | null): void {
    if (claimId === null) return;
    const left = this.#left.get(claimId);
    if (left === undefined) return;
    if (left > 1) this.#left.set(claimId, left - 1);
    else {
      this.#left.delete(claimId);
      this.forget(claimId);
    }
  }
}
