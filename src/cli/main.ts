#!/usr/bin/env node
import { Command, CommanderError } from "commander";
import { version } from "../version.ts";
import { type CommandIo, processIo, reportFailure } from "./command-context.ts";
import { registerAlertsCommand } from "./commands/alerts-command.ts";
import { registerBackfillCommand } from "./commands/backfill-command.ts";
import { registerDetectCommand } from "./commands/detect-command.ts";
import { registerDoctorCommand } from "./commands/doctor-command.ts";
import { registerExpenseCommand } from "./commands/expense-command.ts";
import { registerFsarCommand } from "./commands/fsar-command.ts";
import { registerGateCommand } from "./commands/gate-command.ts";
import { registerMigrateCommand } from "./commands/migrate-command.ts";
import { registerModelsCommand } from "./commands/models-command.ts";
import { registerMoneyCommand } from "./commands/money-command.ts";
import { registerRoiCommand } from "./commands/roi-command.ts";
import { registerStartCommand } from "./commands/start-command.ts";
import { registerStatsCommand } from "./commands/stats-command.ts";
import { registerStatusCommand } from "./commands/status-command.ts";
import { registerStripeCommand } from "./commands/stripe-command.ts";
import { registerTargetsCommand } from "./commands/targets-command.ts";
import { registerTaskCommand } from "./commands/task-command.ts";
import { registerWorkerCommand } from "./commands/worker-command.ts";
import { exitCodes } from "./exit-codes.ts";

/** Builds the `steward` program. The commands parse input, call the engine, render the result. */
export function buildProgram(io: CommandIo, setExit: (code: number) => void): Command {
  const program = new Command("steward")
    .version(version)
    .description("Steward: a self-auditing control plane for AI-model work")
    .option(
      "--database <url>",
      "postgres://…, pglite:<folder> or pglite:memory (default: .steward/db in the project's folder, found upwards from here)",
    )
    .option(
      "--config <file>",
      "configuration file (default: steward.config.json or .yaml in the project's folder)",
    )
    .option("--json", "print JSON for machines instead of tables")
    .option("--wide", "print tables whole, however wide (by default they are cut to the terminal's width)")
    .option("--log-level <level>", "trace, debug, info, warn, error, fatal or silent")
    .showHelpAfterError()
    // Subcommands list the options they inherit, so `steward task ls --help` shows --json too.
    .configureHelp({ showGlobalOptions: true })
    // Commander's refusals (an unknown option, a bad value) are thrown, to exit with `usage`.
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  registerStartCommand(program, io);
  registerStatusCommand(program, io, setExit);
  registerMigrateCommand(program, io, setExit);
  registerDoctorCommand(program, io, setExit);
  registerBackfillCommand(program, io, setExit);
  registerTaskCommand(program, io, setExit);
  registerWorkerCommand(program, io);
  registerModelsCommand(program, io);
  registerStatsCommand(program, io);
  registerTargetsCommand(program, io);
  registerAlertsCommand(program, io);
  registerDetectCommand(program, io);
  registerStripeCommand(program, io);
  registerMoneyCommand(program, io);
  registerExpenseCommand(program, io);
  registerRoiCommand(program, io);
  registerFsarCommand(program, io);
  registerGateCommand(program, io);
  return program;
}

async function main(): Promise<void> {
  let exitCode = 0;
  const program = buildProgram(processIo, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end this way too: commander has printed what was asked for.
      exitCode = error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    } else exitCode = reportFailure(error, processIo, process.argv.includes("--json"));
  }
  process.exitCode = exitCode;
}

await main();
