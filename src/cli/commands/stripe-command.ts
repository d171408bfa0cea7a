import type { Command } from "commander";
import { StewardError } from "../../errors.ts";
import { type StripeEventRow, stripeEventStatuses } from "../../money/stripe-events.ts";
import type { StripeEventStatus } from "../../money/stripe-processing.ts";
import { maxReplayBatch, parseStripeEventFile, type ReplayResult } from "../../money/stripe-replay.ts";
import { parseSince } from "../../telemetry/stats-window.ts";
import {
  type CommandIo,
  configFromFlags,
  globalOptions,
  tableWidth,
  withClient,
} from "../command-context.ts";
import { wholeNumber } from "../parse-options.ts";
import { progressReporter } from "../progress-reporter.ts";
import { readTextFile } from "../read-text-file.ts";
import { renderTable } from "../render-table.ts";
import type { Jsonified } from "../steward-client.ts";

/** `steward stripe …`: the Stripe inbox. */
export function registerStripeCommand(program: Command, io: CommandIo): void {
  const stripe = program.command("stripe").description("Stripe's events: the inbox and its processing");
  stripe
    .command("events")
    .description(
      "the inbox's events, newest first, with each one's state and error, and counts by type and state",
    )
    .option("--status <status>", `only events in this state: ${stripeEventStatuses.join(", ")}`)
    .option("--type <type>", "only events of this type (charge.succeeded, invoice.paid, …)")
    .option("--limit <n>", "at most this many (1–1000, default 100)", wholeNumber)
    .action(async (opts: { status?: string; type?: string; limit?: number }, command: Command) => {
      const options = globalOptions(command);
      if (opts.status !== undefined && !stripeEventStatuses.includes(opts.status as StripeEventStatus))
        throw new StewardError(
          "validation_failed",
          `--status "${opts.status}" is not a state of an event: use ${stripeEventStatuses.join(", ")}.`,
        );
      await withClient(options, { command: "stripe events", needsSchema: true }, async (client) => {
        const answer = await client.stripeEvents({
          status: opts.status as StripeEventStatus | undefined,
          type: opts.type,
          limit: opts.limit,
        });
        if (options.json) return io.out(JSON.stringify(answer));
        const total = answer.counts.reduce((s, c) => s + c.events, 0);
        if (total === 0)
          return io.out(
            "No Stripe event has arrived. Point a Stripe webhook endpoint at POST /webhooks/stripe and set STEWARD_STRIPE_WEBHOOK_SECRET (docs/money.md).",
          );
        if (answer.events.length === 0) io.out("No event matches.");
        else io.out(renderStripeEventsTable(answer.events, tableWidth(io, options)));
        const byStatus = new Map<string, number>();
        for (const c of answer.counts) byStatus.set(c.status, (byStatus.get(c.status) ?? 0) + c.events);
        io.out(
          `\n${total} events in the inbox: ${stripeEventStatuses.map((s) => `${byStatus.get(s) ?? 0} ${s}`).join(", ")}.`,
        );
      });
    });
  registerReplayCommand(stripe, io);
  registerImportCommand(stripe, io);
  stripe
    .command("reprocess [ids...]")
    .description("process failed events again now: those named, or --failed for every one")
    .option("--failed", "every failed event")
    .action(async (ids: string[], opts: { failed?: boolean }, command: Command) => {
      const options = globalOptions(command);
      if (ids.length > 0 === Boolean(opts.failed))
        throw new StewardError(
          "validation_failed",
          "Name the events to process again, or give --failed for every failed one.",
        );
      await withClient(options, { command: "stripe reprocess", needsSchema: true }, async (client) => {
        const result = await client.reprocessStripeEvents(opts.failed ? { allFailed: true } : { ids });
        if (options.json) return io.out(JSON.stringify(result));
        if (result.events.length === 0) io.out("No failed event to process again.");
        for (const e of result.events) io.out(`${e.id}: ${e.status}${e.error ? ` (${e.error})` : ""}`);
        if (result.notFailed.length) io.err(`Not failed (or no such event): ${result.notFailed.join(", ")}.`);
      });
    });
}

/** `steward stripe import [--since DATE]`: past events through Stripe's API, page by page, resumable. */
function registerImportCommand(stripe: Command, io: CommandIo): void {
  stripe
    .command("import")
    .description(
      "take past events from Stripe's API (STRIPE_API_KEY or stripe.apiKeyFile) into the inbox and process them; an interrupted import resumes from its cursor",
    )
    .option("--since <time>", "events created since: 30d (default; Stripe keeps 30 days), 2w or an ISO date")
    .option("--no-process", "only store them and queue their stripe.process tasks, for the workers")
    .action(async (opts: { since?: string; process: boolean }, command: Command) => {
      const options = globalOptions(command);
      const config = configFromFlags(options);
      const access = {
        apiKey: config.stripe.apiKey,
        apiKeyFile: config.stripe.apiKeyFile,
        api: config.stripe.api,
      };
      const now = new Date();
      const since = parseSince(opts.since ?? "30d", now);
      await withClient(options, { command: "stripe import", needsSchema: true }, async (client) => {
        const progress = progressReporter(io, Boolean(options.json), "seconds back");
        const span = Math.max(1, Math.round((now.getTime() - since.getTime()) / 1000));
        let page = await client.importStripePage(access, { since, process: opts.process });
        if (page.resumedFrom && !options.json)
          io.err(`Resuming the import since ${since.toISOString()} from ${page.resumedFrom}.`);
        const report = (p: typeof page) => {
          const back = p.reachedAt ? Math.round((now.getTime() - Date.parse(p.reachedAt)) / 1000) : span;
          progress.update(p.done ? span : Math.min(span, back), span, `${p.imported} events`);
        };
        report(page);
        while (!page.done) {
          page = await client.importStripePage(access, { since, process: opts.process });
          report(page);
        }
        progress.stop();
        if (options.json) return io.out(JSON.stringify(page));
        io.out(
          `Imported ${page.imported} events from Stripe since ${since.toISOString().slice(0, 10)} in ${page.pages} pages` +
            (page.reachedAt ? `, back to ${page.reachedAt.slice(0, 16).replace("T", " ")}` : "") +
            (opts.process
              ? "; processed into the ledger."
              : "; their stripe.process tasks are queued for the workers."),
        );
      });
    });
}

/** `steward stripe replay <file>`: events from a file, through the inbox and processing. */
function registerReplayCommand(stripe: Command, io: CommandIo): void {
  stripe
    .command("replay <file>")
    .description(
      "take Stripe events from a JSON array or JSON Lines file into the inbox (no signature: you vouch for the file) and process them; a bad line replays nothing",
    )
    .option("--no-process", "only store them and queue their stripe.process tasks, for the workers")
    .action(async (file: string, opts: { process: boolean }, command: Command) => {
      const options = globalOptions(command);
      const text = readTextFile(file);
      const events = parseStripeEventFile(text, file);
      await withClient(options, { command: "stripe replay", needsSchema: true }, async (client) => {
        const progress = progressReporter(io, Boolean(options.json), "events");
        const total: Jsonified<ReplayResult> = { stored: 0, duplicates: 0, statuses: {} };
        for (let i = 0; i < events.length; i += maxReplayBatch) {
          const batch = events.slice(i, i + maxReplayBatch).map((e) => JSON.parse(e.text) as unknown);
          const result = await client.replayStripeEvents(batch, opts.process);
          total.stored += result.stored;
          total.duplicates += result.duplicates;
          for (const [status, n] of Object.entries(result.statuses))
            total.statuses[status as keyof ReplayResult["statuses"]] =
              (total.statuses[status as keyof ReplayResult["statuses"]] ?? 0) + (n ?? 0);
          progress.update(Math.min(events.length, i + maxReplayBatch), events.length, `${total.stored} new`);
        }
        progress.stop();
        if (options.json) return io.out(JSON.stringify({ events: events.length, ...total }));
        const statuses = Object.entries(total.statuses)
          .map(([status, n]) => `${n} ${status}`)
          .join(", ");
        io.out(
          `Replayed ${events.length} events from ${file}: ${total.stored} new, ${total.duplicates} already in the inbox` +
            (opts.process
              ? `; ${statuses || "none processed"}.`
              : "; their stripe.process tasks are queued for the workers."),
        );
      });
    });
}

export function renderStripeEventsTable(events: Jsonified<StripeEventRow>[], width?: number): string {
  return renderTable(
    ["id", "type", "mode", "status", "created", "object", "deliveries", "attempts", "task", "error"],
    events.map((e) => [
      e.id,
      e.type,
      e.livemode ? "live" : "test",
      e.status,
      e.createdAt.slice(0, 19).replace("T", " "),
      e.objectId ?? "",
      e.deliveries,
      e.attempts,
      e.taskId ?? "",
      e.error ?? "",
    ]),
    { width },
  );
}
