// Draws Hearby's app icons with Node built-ins only (no image library):
// a white speech bubble with an "H" cut out, on the council's dark teal.
//
//   node scripts/make-icons.mjs      (writes frontend/pwa/icons/*; commit them)
//
// Shapes are signed-distance functions in a unit "content box"; each icon maps
// that box into its own square and anti-aliases by 4x4 supersampling.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";

const OUT = join(dirname(fileURLToPath(import.meta.url)), "..", "pwa", "icons");
const BRAND = [0x00, 0x59, 0x4f];
const WHITE = [0xff, 0xff, 0xff];

// --- geometry (content box 0..1) -------------------------------------------
const BUBBLE = { x0: 0.08, y0: 0.1, x1: 0.92, y1: 0.72, r: 0.14 };
const TAIL = [
  [0.22, 0.66],
  [0.46, 0.66],
  [0.16, 0.92],
];
const H_RECTS = [
  { x0: 0.3, y0: 0.22, x1: 0.41, y1: 0.6 }, // left stem
  { x0: 0.59, y0: 0.22, x1: 0.7, y1: 0.6 }, // right stem
  { x0: 0.41, y0: 0.36, x1: 0.59, y1: 0.46 }, // bar
];

function inRoundRect(x, y, { x0, y0, x1, y1, r }) {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r);
  const cy = Math.min(Math.max(y, y0 + r), y1 - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r && x >= x0 && x <= x1 && y >= y0 && y <= y1;
}
function inRect(x, y, { x0, y0, x1, y1 }) {
  return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}
function inTriangle(x, y, [[ax, ay], [bx, by], [cx, cy]]) {
  const s = (px, py, qx, qy, rx, ry) => (px - rx) * (qy - ry) - (qx - rx) * (py - ry);
  const d1 = s(x, y, ax, ay, bx, by);
  const d2 = s(x, y, bx, by, cx, cy);
  const d3 = s(x, y, cx, cy, ax, ay);
  const neg = d1 < 0 || d2 < 0 || d3 < 0;
  const pos = d1 > 0 || d2 > 0 || d3 > 0;
  return !(neg && pos);
}
/** true where the mark is white */
function mark(x, y) {
  const bubble = inRoundRect(x, y, BUBBLE) || inTriangle(x, y, TAIL);
  return bubble && !H_RECTS.some((rect) => inRect(x, y, rect));
}

// --- raster + PNG ------------------------------------------------------------
function render(size, inset) {
  // inset: fraction of the icon on each side outside the content box
  const box = 1 - 2 * inset;
  const rgba = Buffer.alloc(size * size * 4);
  const N = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < N; sy++) {
        for (let sx = 0; sx < N; sx++) {
          const u = ((px + (sx + 0.5) / N) / size - inset) / box;
          const v = ((py + (sy + 0.5) / N) / size - inset) / box;
          if (mark(u, v)) hits++;
        }
      }
      const a = hits / (N * N);
      const i = (py * size + px) * 4;
      for (let c = 0; c < 3; c++) rgba[i + c] = Math.round(BRAND[c] * (1 - a) + WHITE[c] * a);
      rgba[i + 3] = 255; // opaque, full-bleed background
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB (the icons are opaque)
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    raw[y * (1 + size * 3)] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      rgba.copy(raw, y * (1 + size * 3) + 1 + x * 3, (y * size + x) * 4, (y * size + x) * 4 + 3);
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// --- SVG (same geometry, content box mapped into 512 with the "any" inset) --
function svg(inset) {
  const S = 512;
  const box = (1 - 2 * inset) * S;
  const off = inset * S;
  const m = (v) => +(off + v * box).toFixed(2);
  const { x0, y0, x1, y1, r } = BUBBLE;
  const rr = +(r * box).toFixed(2);
  const bubble =
    `M${m(x0 + r)} ${m(y0)}H${m(x1 - r)}A${rr} ${rr} 0 0 1 ${m(x1)} ${m(y0 + r)}V${m(y1 - r)}` +
    `A${rr} ${rr} 0 0 1 ${m(x1 - r)} ${m(y1)}H${m(TAIL[1][0])}L${m(TAIL[2][0])} ${m(TAIL[2][1])}L${m(TAIL[0][0])} ${m(y1)}` +
    `H${m(x0 + r)}A${rr} ${rr} 0 0 1 ${m(x0)} ${m(y1 - r)}V${m(y0 + r)}A${rr} ${rr} 0 0 1 ${m(x0 + r)} ${m(y0)}Z`;
  const h = H_RECTS.map(
    ({ x0: a, y0: b, x1: c, y1: d }) => `<rect x="${m(a)}" y="${m(b)}" width="${+(m(c) - m(a)).toFixed(2)}" height="${+(m(d) - m(b)).toFixed(2)}"/>`,
  ).join("");
  const hex = `#${BRAND.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${S} ${S}" width="${S}" height="${S}">` +
    `<title>Hearby</title>` +
    `<rect width="${S}" height="${S}" fill="${hex}"/>` +
    `<path fill="#fff" d="${bubble}"/>` +
    `<g fill="${hex}">${h}</g>` +
    `</svg>\n`
  );
}

// "any" icons: content fills most of the square. Maskable: the content box is
// 0.66 of the icon, so the whole mark lies inside the central safe circle
// (radius 40% of the icon) that every mask shape keeps.
const ANY_INSET = 0.1;
const MASKABLE_INSET = 0.17;
const icons = [
  ["icon-192.png", 192, ANY_INSET],
  ["icon-512.png", 512, ANY_INSET],
  ["icon-maskable-512.png", 512, MASKABLE_INSET],
  ["apple-touch-icon.png", 180, 0.12], // iOS rounds the corners itself
];
for (const [name, size, inset] of icons) {
  writeFileSync(join(OUT, name), png(size, render(size, inset)));
  console.log(`wrote pwa/icons/${name}`);
}
writeFileSync(join(OUT, "icon.svg"), svg(ANY_INSET));
console.log("wrote pwa/icons/icon.svg");

// Check the maskable safe zone: no white pixel of the mark outside r = 0.4.
{
  let worst = 0;
  for (let i = 0; i <= 400; i++) {
    for (let j = 0; j <= 400; j++) {
      const u = i / 400;
      const v = j / 400;
      if (!mark(u, v)) continue;
      const x = MASKABLE_INSET + u * (1 - 2 * MASKABLE_INSET) - 0.5;
      const y = MASKABLE_INSET + v * (1 - 2 * MASKABLE_INSET) - 0.5;
      worst = Math.max(worst, Math.hypot(x, y));
    }
  }
  if (worst > 0.4) throw new Error(`maskable icon mark reaches ${worst.toFixed(3)} of the icon from centre (> 0.4)`);
  console.log(`maskable: mark within ${worst.toFixed(3)} of centre (safe zone 0.4)`);
}
