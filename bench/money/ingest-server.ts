/**
 * The webhook's side of the ingest benchmark, in a process of its own (as `steward start` runs
 * it, on its own core): Steward's HTTP server over the PostgreSQL database in argv[2], with the
 * signing secret in argv[3], no workers. Prints its URL on stdout once it listens; stops on SIGTERM.
 */
import pino from "pino";
import { createDeps } from "../../src/app/create-deps.ts";
import { configSchema } from "../../src/config/config-schema.ts";
import { PostgresDatabase } from "../../src/db/postgres-database.ts";
import { startServer } from "../../src/http/start-server.ts";

const [url, secret, poolSize] = process.argv.slice(2);
const config = configSchema.parse({
  stripe: { webhookSecrets: [secret] },
  database: { poolSize: Number(poolSize ?? 10) },
});
const db = new PostgresDatabase({
  url: url!,
  description: "bench",
  poolSize: config.database.poolSize,
  applicationName: "steward-bench-ingest",
});
const deps = createDeps({ config, db, logger: pino({ level: "warn" }) });
const server = await startServer(deps, { host: "127.0.0.1", port: 0 });
process.stdout.write(`${server.localUrl}\n`);
process.on("SIGTERM", async () => {
  await server.close();
  await db.close();
  process.exit(0);
});
