/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build as static files under STATIC_URL and finds the hashed names in the
// manifest (media_app/templatetags/vite.py), so there is no index.html: one entry, main.tsx.
export default defineConfig({
  base: "/static/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    // hls.js is most of the player chunk; it is only loaded by the watch and embed pages.
    chunkSizeWarningLimit: 700,
    rollupOptions: { input: "src/main.tsx" },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
});
