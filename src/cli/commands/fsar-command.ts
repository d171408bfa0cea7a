import type { Command } from "commander";
import { renderFsarMarkdown } from "../../fsar/fsar-markdown.ts";
import type { FsarReport } from "../../fsar/fsar-report.ts";
import type { FindingState, StoredReport } from "../../fsar/report-store.ts";
import { cliActor } from "../cli-actor.ts";
import { type CommandIo, globalOptions, tableWidth, withClient } from "../command-context.ts";
import { wholeNumber } from "../parse-options.ts";
import { readTextFile } from "../read-text-file.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";
import { describeGate } from "./gate-command.ts";

/** `steward fsar …`: self-assessment reports, their findings, and the self-improvement loop. */
export function registerFsarCommand(program: Command, io: CommandIo): void {
  const fsar = program
    .command("fsar")
    .description("FSAR self-assessment reports: findings with evidence, severity, proposal, risks, the gate");
  fsar
    .command("run")
    .description("assess the system now, store the report, set the gate from it, and print it")
    .action(async (_opts: unknown, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "fsar run", needsSchema: true }, async (client) => {
        const report = await client.fsarRun(cliActor());
        if (options.json) return io.out(JSON.stringify(report));
        io.out(renderFsarMarkdown(report as unknown as FsarReport));
        io.out(describeGate(await client.gate()));
      });
    });
  fsar
    .command("ls")
    .description("the stored reports, newest first")
    .option("--limit <n>", "at most this many", wholeNumber, 20)
    .option("--source <source>", "only this source: steward, or import:<name>")
    .action(async (opts: { limit: number; source?: string }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "fsar ls", needsSchema: true }, async (client) => {
        const reports = await client.fsarList(opts);
        if (options.json) return io.out(JSON.stringify({ reports }));
        if (reports.length === 0) return io.out("No report yet. `steward fsar run` writes one now.");
        io.out(renderReportsTable(reports, tableWidth(io, options)));
      });
    });
  fsar
    .command("show")
    .description("one report, as Markdown in the FSAR layout (default) or JSON")
    .argument("<id>", "the report's id (fsar_…)")
    .option("--markdown", "as Markdown (the default)")
    .action(async (id: string, _opts: { markdown?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "fsar show", needsSchema: true }, async (client) => {
        const shown = await client.fsarShow(id);
        if (options.json) return io.out(JSON.stringify(shown.report));
        io.out(shown.markdown);
      });
    });
  fsar
    .command("ack")
    .description(
      "acknowledge a report (read by an operator); the gate follows findings, not acknowledgements",
    )
    .argument("<id>", "the report's id")
    .action(async (id: string, _opts: unknown, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "fsar ack", needsSchema: true }, async (client) => {
        const stored = await client.fsarAck(id, cliActor());
        if (options.json) return io.out(JSON.stringify(stored));
        io.out(`Report ${stored.id} acknowledged by ${stored.ackedBy} at ${stored.ackedAt}.`);
      });
    });
  fsar
    .command("findings")
    .description("findings across reports: open first, with when they were first and last seen")
    .option("--status <status>", "open or resolved")
    .option("--limit <n>", "at most this many", wholeNumber, 50)
    .action(async (opts: { status?: "open" | "resolved"; limit: number }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "fsar findings", needsSchema: true }, async (client) => {
        const findings = await client.fsarFindings(opts);
        if (options.json) return io.out(JSON.stringify({ findings }));
        if (findings.length === 0) return io.out("No finding was ever recorded.");
        io.out(renderFindingsTable(findings, tableWidth(io, options)));
      });
    });
  fsar
    .command("resolve")
    .description("mark a finding resolved by hand (a later report that finds it again reopens it)")
    .argument("<finding>", "the finding's key, as `steward fsar findings` shows it")
    .option("--reason <reason>", "why it is resolved")
    .action(async (key: string, opts: { reason?: string }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "fsar resolve", needsSchema: true }, async (client) => {
        const state = await client.fsarResolve(key, cliActor(), opts.reason);
        if (options.json) return io.out(JSON.stringify(state));
        io.out(`Finding ${state.key} resolved by ${state.resolvedBy}.`);
      });
    });
  fsar
    .command("import")
    .description("store a report written by another system (Markdown in the FSAR layout, or JSON)")
    .argument("<file>", "the report's file")
    .option("--source <name>", "who wrote it (letters, digits, . _ -)", "agent")
    .action(async (file: string, opts: { source: string }, command: Command) => {
      const options = globalOptions(command);
      const text = readTextFile(file);
      await withClient(options, { command: "fsar import", needsSchema: true }, async (client) => {
        const imported = await client.fsarImport(text, opts.source, cliActor());
        if (options.json) return io.out(JSON.stringify(imported));
        const r = imported.report;
        io.out(
          `Report ${r.id} imported from ${opts.source} (${imported.format}): severity ${r.severity}, ${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}, block_execution ${r.block_execution}.`,
        );
        io.out(describeGate(imported.gate));
      });
    });
  fsar
    .command("plan")
    .description("each action of a report's proposal as a self_improvement task, linked to its findings")
    .argument("<id>", "the report's id")
    .option("--enqueue", "enqueue the tasks (without it, only shows the plan)")
    .action(async (id: string, opts: { enqueue?: boolean }, command: Command) => {
      const options = globalOptions(command);
      await withClient(options, { command: "fsar plan", needsSchema: true }, async (client) => {
        const plan = await client.fsarPlan(id, opts.enqueue === true, cliActor());
        if (options.json) return io.out(JSON.stringify(plan));
        if (plan.actions.length === 0) return io.out(`Report ${id} proposes no action.`);
        io.out(
          renderTable(
            ["section", "action", "task", "findings", "step"],
            plan.actions.map((a) => [
              `${a.section}. ${a.sectionTitle}`,
              a.action,
              a.taskId === null ? "-" : `#${a.taskId}${a.alreadyPlanned ? " (planned before)" : ""}`,
              a.findings.map((f) => f.key).join(", "),
              [a.step.text, a.step.command ? `\`${a.step.command}\`` : ""].filter(Boolean).join(" "),
            ]),
            { width: tableWidth(io, options) },
          ),
        );
        io.out(
          opts.enqueue
            ? `${plan.enqueued} task${plan.enqueued === 1 ? "" : "s"} enqueued (kind self_improvement, stage Self-Improvement).`
            : "Nothing enqueued: add --enqueue to make these tasks.",
        );
      });
    });
}

export function renderReportsTable(reports: Jsonified<StoredReport>[], width?: number): string {
  return renderTable(
    ["id", "written", "source", "trigger", "severity", "blocks", "findings", "acknowledged"],
    reports.map((r) => [
      r.id,
      r.createdAt.slice(0, 19).replace("T", " "),
      r.source,
      r.trigger,
      r.severity,
      r.blockExecution ? "yes" : "no",
      r.findings,
      r.ackedBy ? `${r.ackedBy} ${r.ackedAt!.slice(0, 16).replace("T", " ")}` : "-",
    ]),
    { width },
  );
}

export function renderFindingsTable(findings: Jsonified<FindingState>[], width?: number): string {
  return renderTable(
    ["status", "severity", "blocks", "key", "first seen", "seen", "summary"],
    findings.map((f) => [
      f.status === "resolved"
        ? `resolved (${f.resolvedBy})`
        : f.reopened > 0
          ? `open (reopened ${f.reopened}×)`
          : "open",
      f.severity,
      f.blocking ? "yes" : "no",
      f.key,
      f.firstSeenAt.slice(0, 16).replace("T", " "),
      `${f.timesSeen}×`,
      f.summary,
    ]),
    { width },
  );
}
