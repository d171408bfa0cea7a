import { type Command, InvalidArgumentError } from "commander";
import type { MigrationRunReport } from "../../app/operations.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { exitCodes } from "../exit-codes.ts";
import { commaList } from "../parse-options.ts";
import { renderTable } from "../render-table.ts";

export function parseVersion(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError("expected a migration number (0, 1, 2, …)");
  return n;
}

export function registerMigrateCommand(
  program: Command,
  io: CommandIo,
  setExit: (code: number) => void,
): void {
  const migrate = program.command("migrate").description("apply, revert and inspect schema migrations");

  migrate
    .command("status")
    .description("list migrations: applied, pending, changed since applied")
    .action(async (_opts, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "migrate status" }, async (client) => {
        const report = await client.migrationStatus();
        if (options.json) return io.out(JSON.stringify(report));
        io.out(
          renderTable(
            ["VERSION", "NAME", "STATUS", "APPLIED AT", "MS"],
            report.states.map((s) => [s.version, s.name, s.status, s.appliedAt ?? "", s.executionMs ?? ""]),
            { width: tableWidth(io, options) },
          ),
        );
        io.out(
          `\n${report.applied} applied, ${report.pending} pending${report.changed.length ? `, ${report.changed.length} changed` : ""}.`,
        );
        if (!report.current)
          setExit(report.changed.length || report.unknown.length ? exitCodes.answerIsNo : exitCodes.ok);
      });
    });

  migrate
    .command("up")
    .description("apply pending migrations, each in its own transaction")
    .option("--to <version>", "stop after this migration", parseVersion)
    .action(async (opts: { to?: number }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "migrate up", create: true }, async (client) => {
        printRun(
          await client.migrateUp(opts.to),
          io,
          options.json,
          setExit,
          "Nothing to apply: the database is up to date.",
        );
      });
    });

  migrate
    .command("down")
    .description("revert migrations (default: the last one applied)")
    .option("--to <version>", "revert until this version is the last applied (0: all)", parseVersion)
    .option("--yes", "really revert: a down migration may drop data")
    .action(async (opts: { to?: number; yes?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "migrate down" }, async (client) => {
        if (!opts.yes) {
          const plan = await client.planMigrations({ direction: "down", to: opts.to });
          io.err(
            `This would revert ${plan.steps.map((s) => s.name).join(", ") || "nothing"}; a down migration may drop data. ` +
              "See the SQL with `steward migrate plan --down`, then run again with --yes.",
          );
          return setExit(exitCodes.answerIsNo);
        }
        printRun(await client.migrateDown(opts.to), io, options.json, setExit, "Nothing to revert.");
      });
    });

  migrate
    .command("plan")
    .description("print the SQL that up (or --down) would run; changes nothing")
    .option("--down", "plan a revert instead")
    .option("--to <version>", "target version", parseVersion)
    .action(async (opts: { down?: boolean; to?: number }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "migrate plan" }, async (client) => {
        const plan = await client.planMigrations({ direction: opts.down ? "down" : "up", to: opts.to });
        if (options.json) return io.out(JSON.stringify({ steps: plan.steps, error: plan.error?.message }));
        if (plan.error) {
          io.err(`steward: ${plan.error.message}`);
          return setExit(exitCodes.answerIsNo);
        }
        if (plan.steps.length === 0) return io.out("-- Nothing to run.");
        for (const step of plan.steps) io.out(`-- ${step.name} (${step.direction})\n${step.sql.trimEnd()}\n`);
      });
    });

  migrate
    .command("repair")
    .description("accept the current files of migrations changed since they were applied (runs no SQL)")
    .option(
      "--migration <versions>",
      "only these migrations, comma-separated numbers",
      (v: string, prev: number[] = []) => [...prev, ...commaList(v).map(parseVersion)],
    )
    .action(async (opts: { migration?: number[] }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "migrate repair" }, async (client) => {
        const { accepted } = await client.repairMigrations(opts.migration);
        if (options.json) return io.out(JSON.stringify({ accepted }));
        io.out(
          accepted.length
            ? `Accepted the current files of ${accepted.join(", ")}.`
            : "No changed migrations.",
        );
      });
    });
}

function printRun(
  run: MigrationRunReport,
  io: CommandIo,
  json: boolean | undefined,
  setExit: (code: number) => void,
  none: string,
): void {
  if (json) {
    io.out(JSON.stringify({ steps: run.steps, error: run.error }));
  } else {
    for (const step of run.steps) {
      const mark = step.status === "done" ? "✔" : step.status === "error" ? "✖" : "·";
      io.out(
        `${mark} ${step.name} ${step.direction}${step.ms !== undefined ? ` (${step.ms} ms)` : ""}${step.status === "not_run" ? " not run" : ""}`,
      );
    }
    if (run.steps.length === 0 && !run.error) io.out(none);
    if (run.error) io.err(`steward: ${run.error.message}`);
  }
  if (run.error) setExit(exitCodes.answerIsNo);
}
