import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { checkoutPayment, stripeEvent, t0 } from "../money/stripe-fixtures.ts";
import { runCli } from "../support/run-cli.ts";
import { testDeps } from "../support/steward-deps.ts";
import { tempFolder } from "../support/temp-folder.ts";
import { backend, createTestDatabase } from "../support/test-database.ts";

describe(`steward stripe replay, stripe events and money ledger on ${backend}`, () => {
  it("replays a file through the inbox, lists the events with their state, and prints the ledger as JSON lines", async (t) => {
    const testDb = await createTestDatabase(t, { onDisk: true });
    await testDeps(testDb.db);
    if (backend === "pglite") await testDb.db.close();
    const cwd = tempFolder("stripe-cli");
    // Not the demo's configuration (its rates, test money counted): Steward's own defaults.
    writeFileSync(path.join(cwd, "steward.config.json"), JSON.stringify({ demo: { enabled: false } }));
    const env = { STEWARD_DATABASE_URL: testDb.url };
    const p = checkoutPayment("cli", { amount: 4200, metadata: { idea: "digest", stream: "newsletter" } });
    const yen = checkoutPayment("yen", { amount: 900, currency: "jpy" });
    const events = [
      stripeEvent("evt_1", "checkout.session.completed", p.session, t0 + 2),
      stripeEvent("evt_2", "charge.succeeded", p.charge(), t0 + 1),
      stripeEvent("evt_3", "charge.refunded", p.charge({ amount_refunded: 200 }), t0 + 60),
      stripeEvent("evt_4", "charge.succeeded", yen.charge(), t0 + 5),
      stripeEvent("evt_5", "payout.paid", { id: "po_1", object: "payout" }, t0 + 9),
    ];

    // A bad line refuses the whole file, naming the line.
    const bad = path.join(cwd, "bad.jsonl");
    writeFileSync(bad, `${JSON.stringify(events[0])}\n\n{"id": "evt_x"\n`);
    const refused = await runCli(["stripe", "replay", bad], { cwd, env });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /bad\.jsonl: line 3 is not JSON; nothing was replayed/);
    const notEvent = path.join(cwd, "not-event.json");
    writeFileSync(notEvent, JSON.stringify([events[0], { id: "evt_y", type: "charge.succeeded" }]));
    const refusedToo = await runCli(["stripe", "replay", notEvent], { cwd, env });
    assert.match(
      refusedToo.stderr,
      /not-event\.json: item 2 is not a Stripe event: it lacks livemode \(true or false\), created/,
    );
    const empty = await runCli(["stripe", "events"], { cwd, env });
    assert.match(empty.stdout, /No Stripe event has arrived/);

    const file = path.join(cwd, "events.jsonl");
    writeFileSync(file, `${[...events, events[1]].map((e) => JSON.stringify(e)).join("\n")}\n`);
    const replay = await runCli(["stripe", "replay", file], { cwd, env });
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(
      replay.stdout,
      /Replayed 6 events from .*events\.jsonl: 5 new, 1 already in the inbox; 5 processed, 1 ignored\./,
    );
    assert.match(replay.stderr, /progress: 6\/6 events \(100%\)/);

    const listed = await runCli(["stripe", "events", "--status", "ignored"], { cwd, env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /evt_5\s+payout\.paid\s+live\s+ignored/);
    assert.doesNotMatch(listed.stdout, /evt_1/);
    assert.match(listed.stdout, /5 events in the inbox: 0 pending, 4 processed, 0 failed, 1 ignored\./);
    const badStatus = await runCli(["stripe", "events", "--status", "done"], { cwd, env });
    assert.match(
      badStatus.stderr,
      /--status "done" is not a state of an event: use pending, processed, failed, ignored/,
    );

    const ledger = await runCli(["money", "ledger", "--json"], { cwd, env });
    assert.equal(ledger.code, 0, ledger.stderr);
    const lines = ledger.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => [l.source_id, l.type, l.amount_minor, l.currency, l.idea, l.stream, l.stripe_object]),
      [
        ["revenue:pi_cli", "revenue", 4200, "usd", "digest", "newsletter", "pi_cli"],
        ["revenue:pi_yen", "revenue", 900, "jpy", null, null, "pi_yen"],
        ["refund:ch_cli:evt_3", "refund", -200, "usd", "digest", "newsletter", "ch_cli"],
      ],
    );
    assert.equal(lines[0]!.occurred_at, new Date(t0 * 1000).toISOString());

    const table = await runCli(["money", "ledger", "--idea", "digest"], { cwd, env });
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /revenue\s+42\.00 USD\s+digest\s+newsletter\s+pi_cli/);
    assert.match(
      table.stdout,
      /USD\s+42\.00 USD\s+-2\.00 USD\s+0\.00 USD\s+0\.00 USD\s+40\.00 USD\s+0\.00 USD/,
    );
    assert.doesNotMatch(table.stdout, /JPY/);
    const unattributed = await runCli(["money", "ledger", "--idea", "unattributed"], { cwd, env });
    assert.match(unattributed.stdout, /revenue\s+900 JPY\s+\(unattributed\)/);

    // The events are of 2026-09: a period around them.
    const roi = await runCli(["roi", "--since", "2026-09-01", "--until", "2026-10-01"], { cwd, env });
    assert.equal(roi.code, 0, roi.stderr);
    assert.match(roi.stdout, /ROI by idea, 2026-09-01 to 2026-10-01 \(live money\):/);
    assert.match(
      roi.stdout,
      /digest\s+40\.00 USD\s+-2\.00 USD\s+0\.00 USD\s+0\.00 USD\s+0\.00 USD\s+40\.00 USD\s+–/,
    );
    assert.match(roi.stdout, /\(unattributed\)\s+900 JPY/);
    assert.match(roi.stdout, /JPY: no rate in money\.rates, so not converted/);
    assert.match(roi.stdout, /Checkout: 1 created, 1 completed \(100\.0 %\)/);
    const roiJson = await runCli(
      ["roi", "--by", "stream", "--since", "2026-09-01", "--until", "2026-10-01", "--json"],
      { cwd, env },
    );
    const report = JSON.parse(roiJson.stdout) as {
      roi: { by: string; rows: { key: string | null; revenue: number }[] };
    };
    assert.equal(report.roi.by, "stream");
    assert.deepEqual(report.roi.rows.find((r) => r.key === "newsletter")?.revenue, 4000);
    const badBy = await runCli(["roi", "--by", "customer"], { cwd, env });
    assert.match(badBy.stderr, /--by "customer" is not a dimension: use idea, stream, model/);
  });
});
