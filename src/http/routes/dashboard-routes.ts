import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync } from "fastify";

/**
 * The dashboard: files built by Vite into `webRoot` (`npm run build`). Asset names carry a
 * content hash, so they may be cached for good; index.html must be revalidated so a new build
 * is picked up at once.
 */
export const dashboardRoutes: FastifyPluginAsync<{ webRoot: string }> = async (app, { webRoot }) => {
  const indexFile = path.join(webRoot, "index.html");

  await app.register(fastifyStatic, {
    root: webRoot,
    cacheControl: false,
    // A missing build is reported by `/` below, not as a warning at start.
    suppressWarning: true,
    setHeaders: (reply, filePath) => {
      const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
      reply.header("cache-control", hashed ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });

  // Checked per request, so that building while the server runs needs no restart.
  app.get("/", async (_request, reply) => {
    if (!existsSync(indexFile)) {
      return reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(`The dashboard is not built (${indexFile} is missing). Run \`npm run build\`, then reload.\n`);
    }
    return reply.header("cache-control", "no-cache").sendFile("index.html");
  });
};
