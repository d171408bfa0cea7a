import { Worker } from "node:worker_threads";
import type { Metrics } from "./metrics.ts";
import { type Job, runJob } from "./sweep.ts";

/**
 * Runs jobs on `workers` threads (in this one when 1), each job to the next free thread, and
 * gives the results in the order of the jobs: a run depends only on its job, so the numbers are
 * the same whatever the number of threads and whichever thread ran what.
 */
export async function runJobs(
  jobs: readonly Job[],
  workers: number,
  onDone: (job: Job, index: number) => void,
): Promise<Metrics[]> {
  const results: Metrics[] = new Array(jobs.length);
  if (workers <= 1) {
    for (const [index, job] of jobs.entries()) {
      results[index] = runJob(job);
      onDone(job, index);
    }
    return results;
  }
  let next = 0;
  const threads = Array.from({ length: Math.min(workers, jobs.length) }, () => startThread());
  await Promise.all(
    threads.map(
      (thread) =>
        new Promise<void>((resolve, reject) => {
          const give = () => {
            if (next >= jobs.length) {
              resolve();
              return;
            }
            const index = next++;
            thread.postMessage({ index, job: jobs[index] });
          };
          thread.on("message", ({ index, metrics }: { index: number; metrics: Metrics }) => {
            results[index] = metrics;
            onDone(jobs[index]!, index);
            give();
          });
          thread.on("error", reject);
          give();
        }),
    ),
  );
  await Promise.all(threads.map((thread) => thread.terminate()));
  return results;
}

/** A thread that runs job-thread.ts, TypeScript loaded through tsx as in this thread. */
function startThread(): Worker {
  const tsx = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const script = JSON.stringify(new URL("./job-thread.ts", import.meta.url).href);
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${script}); });`, {
    eval: true,
  });
}
