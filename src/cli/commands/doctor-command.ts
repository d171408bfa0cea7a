import type { Command } from "commander";
import { applyRepairs, type DoctorReport, doctorExitCode, runDoctor } from "../../doctor/run-doctor.ts";
import { type CommandIo, globalOptions, withSteward } from "../command-context.ts";
import { renderTable } from "../render-table.ts";

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
      await withSteward(options, async (steward) => {
        const before = await runDoctor(steward);
        if (!opts.fix) {
          if (options.json) io.out(JSON.stringify(before));
          else io.out(describeReport(before));
          return setExit(doctorExitCode(before));
        }
        const fix = await applyRepairs(steward.db, before);
        const after = fix.error ? before : await runDoctor(steward);
        if (options.json) {
          io.out(JSON.stringify({ ...after, applied: fix.applied, error: fix.error?.message }));
        } else {
          if (fix.error) io.err(`steward: ${fix.error.message}`);
          else
            io.out(
              fix.applied.length
                ? `Applied ${fix.applied.length} repair${fix.applied.length > 1 ? "s" : ""} in one transaction.\n`
                : "Nothing to repair automatically.\n",
            );
          io.out(describeReport(after));
        }
        setExit(fix.error ? 1 : doctorExitCode(after));
      });
    });
}

export function describeReport(report: DoctorReport): string {
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
