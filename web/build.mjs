// Builds the web app into web/dist/ (run by the Makefile's web/dist/.built rule): one bundle of JS and one of
// CSS under dist/app/ with content hashes in their names (CloudFront and browsers may cache them for ever),
// and dist/index.html pointing at them. /config.json is not built: the server (locally) or
// scripts/publish_web.py (in AWS) writes it, so one build runs against any stack.
import { build } from "esbuild";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const ASSET_PREFIX = "/app/"; // where the gateway and CloudFront serve dist/app/

await rm(dist, { recursive: true, force: true });
await mkdir(join(dist, "app"), { recursive: true });
const result = await build({
  entryPoints: [join(here, "src", "main.jsx")],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["es2020"],
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  outdir: join(dist, "app"),
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});
const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
const script = outputs.find((name) => name.endsWith(".js"));
const style = outputs.find((name) => name.endsWith(".css"));
if (!script || !style) throw new Error(`esbuild wrote ${outputs.join(", ")}: expected one .js and one .css`);
const page = (await readFile(join(here, "index.html"), "utf8"))
  .replace("%STYLE%", ASSET_PREFIX + style)
  .replace("%SCRIPT%", ASSET_PREFIX + script);
await writeFile(join(dist, "index.html"), page);
console.log(`web/dist: index.html, app/${script}, app/${style}`);
