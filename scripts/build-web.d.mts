// Types for scripts/build-web.mjs (imported by the web page's browser test).
/** Writes the pump page into `outDir` (default `<package root>/dist/web`); resolves to the folder. */
export function buildWeb(options?: { outDir?: string }): Promise<string>;
