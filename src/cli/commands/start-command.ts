import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { fsarDepsOf } from "../../app/fsar-deps.ts";
import { openSteward } from "../../app/open-steward.ts";
import { PgliteDatabase } from "../../db/pglite-database.ts";
import { type DemoFsar, startDemoFsar } from "../../demo/demo-fsar.ts";
import { demoIsOn } from "../../demo/demo-models.ts";
import { type DemoStripe, demoWebhookSecret, startDemoStripe } from "../../demo/demo-stripe.ts";
import { type DemoWorkload, startDemoWorkload } from "../../demo/demo-workload.ts";
import { type RunningServer, startServer } from "../../http/start-server.ts";
import { type CommandIo, configFromFlags, globalOptions } from "../command-context.ts";
import { knownKinds } from "../known-kinds.ts";
import { describeTally, type StartedWorker, startWorker } from "../start-worker.ts";
import { waitForStopSignal } from "../stop-signal.ts";

/**
 * `steward start`: the embedded mode's one process. Migrates, serves the API and the
 * dashboard, runs a worker pool in the same process (unless workers.embedded is false) and,
 * unless --no-demo, a demo workload of simulated tasks, until SIGINT or SIGTERM. It stops in
 * the reverse order: no new demo tasks, then the worker finishes or hands back its tasks, then
 * the server closes, then the database.
 */
export function registerStartCommand(program: Command, io: CommandIo): void {
  program
    .command("start")
    .description("migrate, then run the API, the dashboard and a worker (embedded PGlite by default)")
    .option("--host <host>", "address to listen on")
    .option("--port <port>", "port to listen on (0: any free port)", port)
    .option("--demo", "enqueue the demo's simulated tasks (default: only on the embedded database)")
    .option("--no-demo", "do not enqueue the demo's simulated tasks")
    .action(async (opts: { host?: string; port?: number; demo?: boolean }, command: Command) => {
      const options = globalOptions(command);
      const http: Record<string, unknown> = {};
      if (opts.host !== undefined) http.host = opts.host;
      if (opts.port !== undefined) http.port = opts.port;
      // --demo / --no-demo decide for this run, like demo.enabled (and with it, which models are known).
      const extra: Record<string, unknown> = opts.demo === undefined ? {} : { demo: { enabled: opts.demo } };
      if (Object.keys(http).length) extra.http = http;
      const config = configFromFlags(options, extra);
      const steward = await openSteward({ config, migrate: true, kinds: knownKinds, command: "start" });
      // CLI commands run beside this process go through its API (src/cli/connect.ts); the lock
      // file of the embedded folder tells them where it listens and the token to use.
      const lock = steward.db instanceof PgliteDatabase ? steward.db.lock : null;
      const localToken = randomBytes(24).toString("base64url");
      let server: RunningServer | undefined;
      let worker: StartedWorker | undefined;
      let demo: DemoWorkload | undefined;
      let demoMoney: DemoStripe | undefined;
      let demoFsar: DemoFsar | undefined;
      const stop = async () => {
        // First the FSAR story: stopped mid-drift, it repairs the schema before anything closes.
        await demoFsar?.stop();
        await demoMoney?.stop();
        await demo?.stop();
        await worker?.pool.stop();
        lock?.withdraw();
        await server?.close();
        await steward.close();
      };
      const stopped = waitForStopSignal(io);
      try {
        server = await startServer(steward, { ...config.http, localToken });
        lock?.advertise({ url: server.localUrl, token: localToken });
        if (config.workers.embedded) worker = await startWorker(steward);
        const { enabled, tasksPerSecond } = config.demo;
        if (demoIsOn(enabled, steward.db.kind)) {
          demo = await startDemoWorkload(steward, { tasksPerSecond });
          // Its Stripe events go through the webhook like Stripe's, signed with the demo's secret.
          const secret = demoWebhookSecret(steward.config);
          if (secret) demoMoney = await startDemoStripe(steward, { url: server.localUrl, secret });
          // Reports, and once per database a blocking finding that closes the gate and is mended.
          demoFsar = await startDemoFsar(fsarDepsOf(steward));
        }
      } catch (error) {
        await stop();
        throw error;
      }
      const mode = steward.db.kind === "pglite" ? "embedded PGlite" : "PostgreSQL";
      io.out(
        [
          "Steward is up.",
          `  Dashboard  ${server.url}/`,
          `  Database   ${mode}: ${steward.db.description}`,
          `  Worker     ${
            worker
              ? `${worker.pool.workerId}, concurrency ${worker.concurrency}, kinds ${worker.kinds.join(", ")}`
              : "none in this process (workers.embedded is false): run `steward worker`"
          }`,
          `  Demo       ${
            demo
              ? `about ${config.demo.tasksPerSecond} simulated tasks a second (implement_idea, idea_implementation, self_improvement)${demoMoney ? ", and test-mode Stripe events through POST /webhooks/stripe" : ""}; FSAR reports every 2 minutes, and once a drift that closes the execution gate until it is repaired; --no-demo turns it off`
              : "off (--demo turns it on)"
          }`,
          "Press Ctrl-C to stop.",
        ].join("\n"),
      );
      const signal = await stopped;
      steward.logger.info({ signal }, "stopping");
      await stop();
      io.out(
        `Steward stopped.${worker ? ` Worker: ${describeTally(worker.tally)}.` : ""}${demo ? ` Demo: ${demo.enqueued} tasks enqueued.` : ""}`,
      );
    });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535)
    throw new InvalidArgumentError("expected a port number from 0 to 65535");
  return n;
}
