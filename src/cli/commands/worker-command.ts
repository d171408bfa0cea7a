import { type Command, Option } from "commander";
import { StewardError } from "../../errors.ts";
import { migrationStatus } from "../../migrate/migrator.ts";
import { requireKnownKinds } from "../../tasks/require-kinds.ts";
import { type CommandIo, globalOptions, withSteward } from "../command-context.ts";
import { commaList, wholeNumber } from "../parse-options.ts";
import { describeTally, startWorker } from "../start-worker.ts";
import { waitForStopSignal } from "../stop-signal.ts";

/**
 * `steward worker`: a process that only runs tasks, for the distributed mode (any number of
 * them against one PostgreSQL). It never migrates: a worker that changed the schema under a
 * running fleet would surprise everyone, so it refuses to start until `steward migrate up`.
 */
export function registerWorkerCommand(program: Command, io: CommandIo): void {
  program
    .command("worker")
    .description("run tasks until SIGTERM or Ctrl-C (then finish or hand back the running ones)")
    .option("--concurrency <n>", "tasks run at once (default workers.concurrency)", wholeNumber)
    .option("--kind <kinds>", "only these kinds, comma-separated (default: every kind)", commaList)
    // The name of earlier versions, still understood.
    .addOption(new Option("--kinds <kinds>").argParser(commaList).hideHelp())
    .addHelpText(
      "after",
      "\nOn SIGTERM or Ctrl-C the worker stops claiming, gives running tasks workers.shutdownGraceMs to finish,\n" +
        "then hands the rest back to the queue, and exits 0. A second signal exits at once.",
    )
    .action(async (given: { concurrency?: number; kind?: string[]; kinds?: string[] }, command: Command) => {
      const options = globalOptions(command);
      const kinds = given.kind || given.kinds ? [...(given.kind ?? []), ...(given.kinds ?? [])] : undefined;
      const opts = { concurrency: given.concurrency, kinds };
      // Through the configuration, so that a bad value is refused with the same words as in a file.
      const extra = opts.concurrency === undefined ? {} : { workers: { concurrency: opts.concurrency } };
      await withSteward(
        options,
        async (steward) => {
          if (opts.kinds) requireKnownKinds(steward.kinds, opts.kinds);
          const status = await migrationStatus(steward.db, steward.migrations);
          if (!status.current) {
            const pending = status.states.filter((s) => s.status === "pending").map((s) => s.name);
            const problems = [
              pending.length ? `pending: ${pending.join(", ")}` : "",
              status.changed.length
                ? `changed since applied: ${status.changed.map((s) => s.name).join(", ")}`
                : "",
              status.unknown.length
                ? `unknown to this Steward: ${status.unknown.map((s) => s.name).join(", ")}`
                : "",
            ].filter(Boolean);
            const message =
              `The database's migrations are not current (${problems.join("; ")}). A worker does not migrate: ` +
              "run `steward migrate up` (or `steward start`, which migrates), then start the worker again. " +
              "`steward migrate status` shows every migration.";
            throw new StewardError("migrations_pending", message, { details: { pending } });
          }
          const stopped = waitForStopSignal(io);
          const worker = await startWorker(steward, { kinds: opts.kinds });
          const { workerId } = worker.pool;
          const grace = steward.config.workers.shutdownGraceMs;
          if (options.json)
            io.out(
              JSON.stringify({
                event: "started",
                workerId,
                concurrency: worker.concurrency,
                kinds: worker.kinds,
              }),
            );
          else
            io.out(
              `Worker ${workerId} started: concurrency ${worker.concurrency}, kinds ${worker.kinds.join(", ")}. ` +
                `Ctrl-C or SIGTERM stops it (running tasks get ${grace} ms to finish).`,
            );
          const signal = await stopped;
          const running = worker.pool.runningCount;
          if (!options.json)
            io.out(
              `${signal}: stopping${running ? `; ${running} running task${running === 1 ? "" : "s"} get up to ${grace} ms to finish` : ""}…`,
            );
          await worker.pool.stop();
          if (options.json)
            io.out(JSON.stringify({ event: "stopped", workerId, signal, attempts: worker.tally }));
          else io.out(`Worker ${workerId} stopped: ${describeTally(worker.tally)}.`);
        },
        { extra, command: "worker" },
      );
    });
}
