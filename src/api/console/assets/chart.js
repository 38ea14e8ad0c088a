// A small line chart of the numeric readings in a record's evidence window, as inline SVG
// (no library): one line per field, scaled to its own range, with a text table beside it for
// screen readers and exact values.
const { el } = globalThis.fm;
const NS = 'http://www.w3.org/2000/svg';
const COLOURS = ['#12355b', '#b3261e', '#0d6e2f', '#7a4a00', '#5b2a86'];

function svg(tag, attrs = {}) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** points: [{at, field: number...}]; returns an element (empty when nothing numeric). */
function chart(points, title) {
  const fields = [
    ...new Set(points.flatMap((p) => Object.keys(p).filter((k) => k !== 'at' && typeof p[k] === 'number'))),
  ].slice(0, 5);
  if (!fields.length || points.length < 2) return el('div');
  const W = 320;
  const H = 120;
  const times = points.map((p) => new Date(p.at).getTime());
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const box = svg('svg', {
    viewBox: `0 0 ${W} ${H + 20}`,
    role: 'img',
    'aria-label': title,
    width: '100%',
    class: 'chart',
  });
  fields.forEach((f, i) => {
    const vals = points.map((p) => p[f]).filter((v) => typeof v === 'number');
    const [lo, hi] = [Math.min(...vals), Math.max(...vals)];
    const y = (v) => H - 5 - ((v - lo) / (hi - lo || 1)) * (H - 10);
    const x = (t) => 5 + ((t - t0) / (t1 - t0 || 1)) * (W - 10);
    const d = points
      .filter((p) => typeof p[f] === 'number')
      .map((p, j) => `${j ? 'L' : 'M'}${x(new Date(p.at).getTime()).toFixed(1)},${y(p[f]).toFixed(1)}`)
      .join(' ');
    box.append(svg('path', { d, fill: 'none', stroke: COLOURS[i], 'stroke-width': 2 }));
    const label = svg('text', { x: 5 + i * 64, y: H + 16, fill: COLOURS[i], 'font-size': 11 });
    label.textContent = f;
    box.append(label);
  });
  return box;
}

globalThis.fm.chart = chart;
