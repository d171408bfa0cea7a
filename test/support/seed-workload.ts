import type { Queryable } from "../../src/db/database.ts";

/**
 * A small history like the seed report's: ideas, tasks in the three stages it names, and
 * attempts on models. Returns the ids of the tasks, by the situation each is in.
 */
export async function seedWorkload(db: Queryable) {
  const idea = await db.query<{ id: number }>(
    "INSERT INTO ideas (key, title, status, income_stream) VALUES ('course-x', 'Sell a course on X', 'active', 'stripe:course-x') RETURNING id",
  );
  const ideaId = idea.rows[0]!.id;
  const insertTask = async (kind: string, stage: string, status: string, aiModel: string | null) =>
    (
      await db.query<{ id: number }>(
        `INSERT INTO execution_tasks (kind, stage, status, idea_id, urgency, complexity, capabilities, payload, ai_model, attempts)
         VALUES ($1, $2, $3, $4, 7, 6, ARRAY['code'], $5, $6, $7) RETURNING id`,
        [
          kind,
          stage,
          status,
          ideaId,
          JSON.stringify({ brief: `${stage} work` }),
          aiModel,
          status === "queued" ? 0 : 1,
        ],
      )
    ).rows[0]!.id;
  const addAttempt = (taskId: number, attempt: number, model: string | null, outcome: string) =>
    db.query(
      `INSERT INTO task_attempts (task_id, attempt, worker_id, ai_model, outcome, queued_at, started_at, finished_at)
       VALUES ($1, $2, 'worker-1', $3, $4, now() - interval '2 minutes', now() - interval '1 minute', now())`,
      [taskId, attempt, model, outcome],
    );

  const implemented = await insertTask("implement_idea", "Implement Ideas", "succeeded", "sim-strong");
  await addAttempt(implemented, 1, "sim-strong", "succeeded");
  const retried = await insertTask("idea_implementation", "Idea Implementation", "succeeded", "sim-fast");
  await addAttempt(retried, 1, "sim-weak", "failed");
  await addAttempt(retried, 2, "sim-fast", "succeeded");
  const improving = await insertTask("self_improvement", "Self-Improvement", "running", "sim-strong");
  await addAttempt(improving, 1, "sim-strong", "running");
  const neverRan = await insertTask("implement_idea", "Implement Ideas", "queued", null);
  return { ideaId, implemented, retried, improving, neverRan };
}
