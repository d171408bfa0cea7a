import type { AddressInfo } from "node:net";
import type { Deps } from "../app/deps.ts";
import { buildServer } from "./build-server.ts";

export interface RunningServer {
  /** e.g. http://127.0.0.1:4100, with the real port when 0 was asked for. */
  url: string;
  close(): Promise<void>;
}

export async function startServer(
  deps: Deps,
  options: { host: string; port: number; webRoot?: string },
): Promise<RunningServer> {
  const app = await buildServer(deps, { webRoot: options.webRoot });
  try {
    await app.listen({ host: options.host, port: options.port });
  } catch (cause) {
    await app.close();
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new Error(
        `Cannot listen on ${options.host}:${options.port} (${code}). Choose another host or port with http.host / http.port in the config, or STEWARD_HTTP_HOST / STEWARD_HTTP_PORT.`,
        { cause },
      );
    }
    throw cause;
  }
  const { port } = app.server.address() as AddressInfo;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  deps.logger.info({ url }, `Steward is listening on ${url}`);
  return { url, close: () => app.close() };
}
