import { applyRepairs, type DoctorDeps, type DoctorReport, runDoctor } from "./run-doctor.ts";

export interface FixReport extends DoctorReport {
  /** The repairs applied, in one transaction (none when it failed). */
  applied: DoctorReport["differences"];
  /** Why the repairs were rolled back, when they were. */
  error?: string;
}

/**
 * `steward doctor --fix`: applies every automatic repair in one transaction, then reports the
 * schema as it is afterwards (as it was, when the repairs were rolled back).
 */
export async function fixSchema(deps: DoctorDeps): Promise<FixReport> {
  const before = await runDoctor(deps);
  const fix = await applyRepairs(deps.db, before);
  const after = fix.error ? before : await runDoctor(deps);
  return { ...after, applied: fix.applied, error: fix.error?.message };
}
