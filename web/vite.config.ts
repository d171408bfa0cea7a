import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// Built by `vite build web` from the repository root; the server serves dist/web
// (src/http/build-server.ts). No CDN, no web fonts: Steward runs without network.
export default defineConfig({
  base: "/",
  plugins: [preact()],
  build: {
    outDir: "../dist/web",
    emptyOutDir: true,
  },
});
