import type { Command } from "commander";
import type { DoctorReport } from "../../doctor/run-doctor.ts";
import { type CommandIo, globalOptions, withClient } from "../command-context.ts";
import { doctorExitCode, exitCodes } from "../exit-codes.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

export function registerDoctorCommand(
  program: Command,
  io: CommandIo,
  setExit: (code: number) => void,
): void {
  program
    .command("doctor")
    .description("compare the database with what its migrations produce; print (or --fix) the repairs")
    .option("--fix", "apply the additive repairs, all in one transaction")
    .addHelpText(
      "after",
      "\nExit status: 0 no drift and migrations current; 1 drift remains; 2 no drift, but migrations pending or changed.",
    )
    .action(async (opts: { fix?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "doctor" }, async (client) => {
        if (!opts.fix) {
          const report = await client.doctor();
          if (options.json) io.out(JSON.stringify(report));
          else io.out(describeReport(report));
          return setExit(doctorExitCode(report));
        }
        const fix = await client.fixSchema();
        if (options.json) {
          io.out(JSON.stringify(fix));
        } else {
          if (fix.error) io.err(`steward: ${fix.error}`);
          else
            io.out(
              fix.applied.length
                ? `Applied ${fix.applied.length} repair${fix.applied.length > 1 ? "s" : ""} in one transaction.\n`
                : "Nothing to repair automatically.\n",
            );
          io.out(describeReport(fix));
        }
        setExit(fix.error ? exitCodes.answerIsNo : doctorExitCode(fix));
      });
    });
}

export function describeReport(report: Jsonified<DoctorReport>): string {
  const m = report.migrations;
  const lines = [
    `Database    ${report.database}`,
    `Migrations  ${m.applied} applied, ${m.pending} pending${m.changed.length ? `, changed since applied: ${m.changed.map((s) => s.name).join(", ")}` : ""}`,
  ];
  if (m.pending > 0) {
    const pending = m.states.filter((s) => s.status === "pending").map((s) => s.name);
    lines.push(`            pending: ${pending.join(", ")} (apply with \`steward migrate up\`; not drift)`);
  }
  if (report.differences.length === 0) {
    lines.push("Schema      no drift: the database matches its applied migrations.");
    return lines.join("\n");
  }
  lines.push(
    `Schema      drift: ${report.differences.length} difference${report.differences.length > 1 ? "s" : ""}`,
    "",
  );
  lines.push(
    renderTable(
      ["DIFFERENCE", "TABLE", "OBJECT", "EXPECTED", "ACTUAL", "REPAIR"],
      report.differences.map((d) => [
        d.kind.replace(/_/g, " "),
        d.table,
        d.object ?? "",
        clip(d.expected),
        clip(d.actual),
        d.repair ? "automatic" : "by hand",
      ]),
    ),
  );
  if (report.repairable.length) {
    lines.push("", "Repair (idempotent; `steward doctor --fix` applies it in one transaction):", "");
    for (const d of report.repairable) lines.push(d.repair!);
  }
  const guesses = report.differences.filter((d) => d.manualRepair);
  if (guesses.length) {
    lines.push("", "Likely renames (check each, then run it by hand; `--fix` never does):", "");
    for (const d of guesses) lines.push(d.manualRepair!);
  }
  const notes = report.differences.filter((d) => d.explanation && (!d.repair || d.kind === "missing_column"));
  if (notes.length) {
    lines.push("", "Left to a person:");
    for (const d of notes)
      lines.push(
        `  - ${d.table}${d.object ? `.${d.object}` : ""} (${d.kind.replace(/_/g, " ")}): ${d.explanation}`,
      );
  }
  return lines.join("\n");
}

function clip(text: string | undefined): string {
  if (text === undefined) return "";
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
