// Hearby front-end build: `npm run build` (after `npm ci`).
//
//   scss/hearby.scss  --sass-->    static/dist/hearby.css      (compressed)
//   hearby.css        --rtlcss-->  static/dist/hearby.rtl.css  (+ scss/rtl-fixes.css)
//   GOV.UK Frontend's ES modules for the components we use --> static/dist/govuk/
//   GOV.UK images  --> static/dist/
//   static/dist/manifest.json: {"version": sha256(...)[:12]} for cache-busting
//   and for versioning the service worker.
//
// Everything is served by our own backend: no CDN at run time.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import rtlcss from "rtlcss";
import * as sass from "sass";

const ROOT = dirname(fileURLToPath(import.meta.url));
const DIST = join(ROOT, "static", "dist");
const GOVUK = join(ROOT, "node_modules", "govuk-frontend", "dist", "govuk");

// The GOV.UK components whose JavaScript app.js may load, and the shared modules they import.
const GOVUK_COMPONENTS = ["button", "error-summary", "skip-link", "radios", "checkboxes", "password-input", "notification-banner"];
const GOVUK_MODULES = [
  "component.mjs",
  "errors/index.mjs",
  "i18n.mjs",
  "common/index.mjs",
  "common/configuration.mjs",
  "common/closest-attribute-value.mjs",
  ...GOVUK_COMPONENTS.map((name) => `components/${name}/${name}.mjs`),
];

/** All regular files under `dir`, recursively, as absolute paths, sorted. */
function walk(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full));
    else if (entry.isFile()) out.push(full);
  }
  return out.sort();
}

const posix = (p) => p.split(sep).join("/");

// WCAG 2 relative luminance and contrast ratio, to guard the brand colour.
function luminance(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

// The stylesheet compiles only the GOV.UK components listed in hearby.scss: fail the build when a template
// uses a govuk- class (in a class attribute) that GOV.UK styles but our stylesheet does not define, so a
// component is never used without its styles.
// A class the full GOV.UK stylesheet does not style either (a hook like govuk-table__row) is fine.
function checkClassesCompiled(css) {
  const full = readFileSync(join(GOVUK, "govuk-frontend.min.css"), "utf8");
  const missing = new Set();
  for (const file of walk(join(ROOT, "templates"))) {
    const text = readFileSync(file, "utf8");
    for (const attribute of text.matchAll(/class="([^"]*)"/g)) {
      for (const name of attribute[1].matchAll(/govuk-[a-z0-9_!-]*[a-z0-9]/g)) {
        const className = name[0];
        if (attribute[1].slice(name.index + className.length).startsWith("{{")) continue;
        const selector = "." + className.replaceAll("!", "\\!");
        if (full.includes(selector) && !css.includes(selector)) missing.add(`${className} (${posix(relative(ROOT, file))})`);
      }
    }
  }
  if (missing.size) throw new Error(`govuk- classes not in the stylesheet (add the component to hearby.scss):\n${[...missing].join("\n")}`);
}

function main() {
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });

  // 1. Sass -> CSS. `pkg:govuk-frontend` is resolved through the package's
  //    "exports" (sass condition -> dist/govuk/index.scss).
  const scssPath = join(ROOT, "scss", "hearby.scss");
  const brand = /\$hb-brand:\s*(#[0-9a-fA-F]{6})\s*;/.exec(readFileSync(scssPath, "utf8"));
  if (!brand) throw new Error("$hb-brand not found in hearby.scss");
  const ratio = contrast(brand[1], "#ffffff");
  if (ratio < 4.5) throw new Error(`brand colour ${brand[1]} on white text is ${ratio.toFixed(2)}:1 (< 4.5:1)`);

  const ltr = sass.compile(scssPath, {
    style: "compressed",
    importers: [new sass.NodePackageImporter(ROOT)],
    loadPaths: [ROOT],
  }).css;
  writeFileSync(join(DIST, "hearby.css"), ltr + "\n");
  checkClassesCompiled(ltr);

  // 2. Mirror for right-to-left languages (Urdu), then append our hand fixes
  //    (compressed through sass, which parses plain CSS). Fixes go after so
  //    they win at equal specificity and are not flipped themselves.
  const mirrored = rtlcss.process(ltr);
  const fixes = sass.compile(join(ROOT, "scss", "rtl-fixes.css"), { style: "compressed" }).css;
  writeFileSync(join(DIST, "hearby.rtl.css"), mirrored + "\n" + fixes + "\n");

  // 3. GOV.UK Frontend JavaScript, as the package's own ES modules: only the components the product uses, and
  //    app.js imports each one only on a page that has it (a page without forms loads none of them).
  for (const module of GOVUK_MODULES) {
    mkdirSync(dirname(join(DIST, "govuk", module)), { recursive: true });
    cpSync(join(GOVUK, module), join(DIST, "govuk", module));
  }

  // 4. GOV.UK images (favicons etc.). Fonts are NOT copied: GDS Transport is
  //    for GOV.UK services only and the CSS does not ask for it.
  cpSync(join(GOVUK, "assets", "images"), join(DIST, "assets", "images"), { recursive: true });

  // 5. Version: a hash over every built file plus the sources the service
  //    worker precaches (worker, our JS modules, icons). Paths are hashed
  //    too, so renames change the version.
  const inputs = [
    ...walk(DIST),
    join(ROOT, "pwa", "service-worker.js"),
    ...walk(join(ROOT, "static", "js")),
    ...walk(join(ROOT, "pwa", "icons")),
  ];
  const hash = createHash("sha256");
  for (const file of inputs) {
    hash.update(posix(relative(ROOT, file)));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  const version = hash.digest("hex").slice(0, 12);
  writeFileSync(join(DIST, "manifest.json"), JSON.stringify({ version }, null, 2) + "\n");

  // Report.
  console.log(`brand ${brand[1]} on white: ${ratio.toFixed(2)}:1`);
  for (const file of walk(DIST)) {
    const body = readFileSync(file);
    const gz = /\.(css|m?js|json|svg|map)$/.test(file) ? ` (${gzipSync(body, { level: 9 }).length} B gzipped)` : "";
    console.log(`${posix(relative(ROOT, file)).padEnd(48)} ${String(statSync(file).size).padStart(8)} B${gz}`);
  }
  console.log(`version ${version}`);
}

main();
