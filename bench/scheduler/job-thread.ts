import { parentPort } from "node:worker_threads";
import { type Job, runJob } from "./sweep.ts";

/** A thread of run-jobs.ts: runs each job it is sent and sends back its metrics. */
parentPort?.on("message", ({ index, job }: { index: number; job: Job }) => {
  parentPort?.postMessage({ index, metrics: runJob(job) });
});
