import type { AddressInfo } from "node:net";
import type { Deps } from "../app/deps.ts";
import { buildServer } from "./build-server.ts";

export interface RunningServer {
  /** e.g. http://127.0.0.1:4100, with the real port when 0 was asked for. */
  url: string;
  /** The address a client on this machine uses (loopback when listening on every address). */
  localUrl: string;
  close(): Promise<void>;
}

export async function startServer(
  deps: Deps,
  options: { host: string; port: number; webRoot?: string; localToken?: string },
): Promise<RunningServer> {
  const app = await buildServer(deps, { webRoot: options.webRoot, localToken: options.localToken });
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
  // What a client on this machine dials: a wildcard address is reached through loopback.
  const wildcard = options.host === "0.0.0.0" || options.host === "::" || options.host === "[::]";
  const localUrl = wildcard ? `http://${options.host === "0.0.0.0" ? "127.0.0.1" : "[::1]"}:${port}` : url;
  return { url, localUrl, close: () => app.close() };
}
