// Small, dependency-free SVG charts for the demo pages. Every chart is an
// <svg role="img"> with a text alternative, plus a data table for screen
// readers and for tests (data-* attributes hold the exact numbers).

const NS = 'http://www.w3.org/2000/svg';
const fmt = new Intl.NumberFormat('en-US');

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgRoot(width, height, label) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'chart-svg', preserveAspectRatio: 'xMinYMin meet' });
  svg.append(el('title', {}, label));
  return svg;
}

function table(caption, head, rows) {
  const details = document.createElement('details');
  details.className = 'chart-table';
  const summary = document.createElement('summary');
  summary.textContent = 'Data table';
  const t = document.createElement('table');
  const cap = document.createElement('caption');
  cap.textContent = caption;
  const thead = document.createElement('thead');
  const tr = document.createElement('tr');
  for (const h of head) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = h;
    tr.append(th);
  }
  thead.append(tr);
  const tbody = document.createElement('tbody');
  for (const row of rows) {
    const r = document.createElement('tr');
    for (const c of row) {
      const td = document.createElement('td');
      td.textContent = c;
      r.append(td);
    }
    tbody.append(r);
  }
  t.append(cap, thead, tbody);
  details.append(summary, t);
  return details;
}

/**
 * Horizontal bars: items [{ label, value, error? }], share of `total`.
 * @returns {HTMLElement}
 */
export function barChart({ items, total, label }) {
  const wrap = document.createElement('div');
  const rowH = 22;
  const labelW = 190;
  const barW = 250;
  const width = labelW + barW + 80;
  const height = Math.max(1, items.length) * rowH + 4;
  const max = Math.max(1, ...items.map((i) => i.value ?? 0));
  const svg = svgRoot(width, height, label);
  items.forEach((item, k) => {
    const y = k * rowH + 2;
    const g = el('g', { class: 'bar', 'data-name': item.label, 'data-value': item.value ?? '' });
    g.append(el('text', { x: labelW - 6, y: y + rowH * 0.68, 'text-anchor': 'end', class: 'chart-label' }, item.label));
    if (item.value == null) {
      g.append(el('text', { x: labelW + 4, y: y + rowH * 0.68, class: 'chart-note' }, item.note ?? 'n/a'));
    } else {
      const w = Math.max(item.value > 0 ? 1 : 0, (item.value / max) * barW);
      g.append(el('rect', { x: labelW, y: y + 3, width: w.toFixed(1), height: rowH - 6, rx: 2, class: 'chart-bar' }));
      const pct = total ? ` (${((100 * item.value) / total).toFixed(1)}%)` : '';
      g.append(el('text', { x: labelW + w + 4, y: y + rowH * 0.68, class: 'chart-value' }, fmt.format(item.value) + pct));
    }
    svg.append(g);
  });
  wrap.append(svg, table(label, ['segment', 'members'], items.map((i) => [i.label, i.value == null ? i.note ?? 'n/a' : fmt.format(i.value)])));
  return wrap;
}

/**
 * An UpSet plot: `sets` names, `regions` [{ indexes: number[], size }] (the
 * subscribers in exactly those sets). Shows the largest regions first.
 */
export function upset({ sets, regions, label, maxRegions = 16 }) {
  const wrap = document.createElement('div');
  const shown = regions.filter((r) => r.size > 0).sort((a, b) => b.size - a.size || a.indexes.length - b.indexes.length).slice(0, maxRegions);
  const colW = 26;
  const labelW = 190;
  const barH = 110;
  const dotH = 20;
  const width = labelW + Math.max(1, shown.length) * colW + 10;
  const height = barH + 18 + sets.length * dotH + 6;
  const max = Math.max(1, ...shown.map((r) => r.size));
  const svg = svgRoot(width, height, label);
  sets.forEach((name, j) => {
    const y = barH + 18 + j * dotH;
    svg.append(el('text', { x: labelW - 8, y: y + dotH * 0.65, 'text-anchor': 'end', class: 'chart-label' }, name));
  });
  shown.forEach((r, k) => {
    const x = labelW + k * colW;
    const g = el('g', { class: 'region', 'data-sets': r.indexes.map((j) => sets[j]).join(' & '), 'data-size': r.size });
    const h = (r.size / max) * (barH - 14);
    g.append(el('rect', { x: x + 4, y: barH - h, width: colW - 8, height: Math.max(1, h).toFixed(1), class: 'chart-bar' }));
    g.append(el('text', { x: x + colW / 2, y: barH - h - 3, 'text-anchor': 'middle', class: 'chart-value small' }, compact(r.size)));
    const ys = [];
    sets.forEach((_, j) => {
      const cy = barH + 18 + j * dotH + dotH / 2;
      const on = r.indexes.includes(j);
      if (on) ys.push(cy);
      g.append(el('circle', { cx: x + colW / 2, cy, r: 5, class: on ? 'dot on' : 'dot' }));
    });
    if (ys.length > 1) g.append(el('line', { x1: x + colW / 2, x2: x + colW / 2, y1: ys[0], y2: ys[ys.length - 1], class: 'dot-line' }));
    svg.append(g);
  });
  wrap.append(svg, table(label, ['in exactly', 'subscribers'], shown.map((r) => [r.indexes.map((j) => sets[j]).join(' & '), fmt.format(r.size)])));
  return wrap;
}

/** Vertical bars for labelled bins: [{ label, value }]. */
export function columns({ bins, label, xTitle }) {
  const wrap = document.createElement('div');
  const colW = 18;
  const height = 150;
  const left = 40;
  const width = left + bins.length * colW + 10;
  const max = Math.max(1, ...bins.map((b) => b.value));
  const svg = svgRoot(width, height + 34, label);
  svg.append(el('text', { x: left - 4, y: 12, 'text-anchor': 'end', class: 'chart-note' }, compact(max)));
  svg.append(el('line', { x1: left, x2: width - 6, y1: height, y2: height, class: 'axis' }));
  bins.forEach((b, k) => {
    const x = left + k * colW;
    const h = (b.value / max) * (height - 16);
    const g = el('g', { class: 'bin', 'data-label': b.label, 'data-value': b.value });
    g.append(el('rect', { x: x + 2, y: height - h, width: colW - 4, height: h.toFixed(1), class: 'chart-bar' }));
    if (k % 3 === 0 || bins.length <= 12) g.append(el('text', { x: x + colW / 2, y: height + 14, 'text-anchor': 'middle', class: 'chart-note' }, b.label));
    g.append(el('title', {}, `${b.label}: ${fmt.format(b.value)}`));
    svg.append(g);
  });
  if (xTitle) svg.append(el('text', { x: left, y: height + 30, class: 'chart-note' }, xTitle));
  wrap.append(svg, table(label, [xTitle ?? 'bin', 'value'], bins.map((b) => [b.label, fmt.format(b.value)])));
  return wrap;
}

/** A categorical palette (Tableau 10 and 4 more) that reads on light and dark backgrounds. */
export const SERIES_COLORS = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#1f77b4', '#8c564b', '#17becf', '#bcbd22',
];

/**
 * Stacked columns: one column per day, one coloured part per series.
 * `days` ['YYYY-MM-DD', …] in order, `series` names in legend order, `counts`
 * Map of `${day}|${series}` -> number. Every part is a <rect class="stack-part">
 * with data-date, data-series and data-count; every column a <g class="stack-day">
 * with data-date and data-total. Returns the SVG, a legend with per-series
 * totals and a data table (days × series, with totals) for screen readers.
 */
export function stackedColumns({ days, series, counts, label, colors = SERIES_COLORS }) {
  const wrap = document.createElement('div');
  wrap.className = 'stacked';
  const colW = days.length > 45 ? 9 : days.length > 20 ? 16 : 26;
  const height = 170;
  const left = 44;
  const width = left + days.length * colW + 10;
  const color = (k) => colors[k % colors.length];
  const value = (d, s) => counts.get(`${d}|${s}`) ?? 0;
  const dayTotals = days.map((d) => series.reduce((a, s) => a + value(d, s), 0));
  const seriesTotals = series.map((s) => days.reduce((a, d) => a + value(d, s), 0));
  const total = dayTotals.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...dayTotals);
  const svg = svgRoot(width, height + 38, label);
  svg.append(el('text', { x: left - 4, y: 12, 'text-anchor': 'end', class: 'chart-note' }, compact(max)));
  svg.append(el('text', { x: left - 4, y: height, 'text-anchor': 'end', class: 'chart-note' }, '0'));
  svg.append(el('line', { x1: left, x2: width - 6, y1: height, y2: height, class: 'axis' }));
  const scale = (height - 16) / max;
  days.forEach((d, k) => {
    const x = left + k * colW;
    const g = el('g', { class: 'stack-day', 'data-date': d, 'data-total': dayTotals[k] });
    g.append(el('title', {}, `${d}: ${fmt.format(dayTotals[k])} messages`));
    let y = height;
    series.forEach((s, j) => {
      const n = value(d, s);
      if (n === 0) return;
      const h = n * scale;
      y -= h;
      const rect = el('rect', {
        x: x + 1, y: y.toFixed(2), width: colW - 2, height: Math.max(0.5, h).toFixed(2),
        fill: color(j), class: 'stack-part', 'data-date': d, 'data-series': s, 'data-count': n,
      });
      rect.append(el('title', {}, `${d} · ${s}: ${fmt.format(n)}`));
      g.append(rect);
    });
    const every = days.length > 45 ? 14 : days.length > 20 ? 7 : days.length > 10 ? 2 : 1;
    if (k % every === 0) g.append(el('text', { x: x + colW / 2, y: height + 14, 'text-anchor': 'middle', class: 'chart-note' }, d.slice(5)));
    svg.append(g);
  });
  svg.append(el('text', { x: left, y: height + 32, class: 'chart-note' }, `local send date (${days[0] ?? ''} … ${days[days.length - 1] ?? ''})`));

  const legend = document.createElement('ul');
  legend.className = 'stack-legend';
  legend.setAttribute('aria-label', 'Campaigns and their totals');
  series.forEach((s, j) => {
    const li = document.createElement('li');
    li.dataset.series = s;
    li.dataset.total = String(seriesTotals[j]);
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.setAttribute('aria-hidden', 'true');
    sw.style.background = color(j);
    li.append(sw, ` ${s}: ${fmt.format(seriesTotals[j])}`);
    legend.append(li);
  });

  const rows = days.map((d, k) => [d, ...series.map((s) => fmt.format(value(d, s))), fmt.format(dayTotals[k])]);
  rows.push(['total', ...seriesTotals.map((n) => fmt.format(n)), fmt.format(total)]);
  const details = table(label, ['date', ...series, 'total'], rows);
  details.querySelector('tbody tr:last-child')?.classList.add('total-row');
  const scroller = document.createElement('div');
  scroller.className = 'table-scroll';
  scroller.append(details.querySelector('table'));
  details.append(scroller);
  wrap.append(scrolling(svg, days.length * colW), legend, details);
  return wrap;
}

/**
 * A calendar heat map: one row per series, one cell per day; a cell's
 * strength is its count relative to the row's busiest day (so a small campaign
 * is as visible as a big one), the number is in its <title> and data-count.
 * Same inputs as stackedColumns.
 */
export function calendarHeatmap({ days, series, counts, label, colors = SERIES_COLORS }) {
  const cell = days.length > 45 ? 9 : days.length > 20 ? 16 : 26;
  const labelW = 150;
  const rowH = 18;
  const width = labelW + days.length * cell + 70;
  const height = series.length * rowH + 22;
  const svg = svgRoot(width, height, label);
  const value = (d, s) => counts.get(`${d}|${s}`) ?? 0;
  series.forEach((s, j) => {
    const y = j * rowH;
    const row = days.map((d) => value(d, s));
    const max = Math.max(1, ...row);
    const total = row.reduce((a, b) => a + b, 0);
    const g = el('g', { class: 'heat-row', 'data-series': s, 'data-total': total });
    g.append(el('text', { x: labelW - 6, y: y + rowH * 0.7, 'text-anchor': 'end', class: 'chart-label' }, s));
    days.forEach((d, k) => {
      const n = row[k];
      const rect = el('rect', {
        x: labelW + k * cell + 1, y: y + 2, width: cell - 2, height: rowH - 4, rx: 2,
        class: n ? 'heat-cell' : 'heat-cell empty', 'data-date': d, 'data-series': s, 'data-count': n,
        fill: n ? colors[j % colors.length] : 'none', 'fill-opacity': n ? (0.2 + 0.8 * (n / max)).toFixed(3) : 0,
      });
      rect.append(el('title', {}, `${d} · ${s}: ${fmt.format(n)}`));
      g.append(rect);
    });
    g.append(el('text', { x: labelW + days.length * cell + 6, y: y + rowH * 0.7, class: 'chart-value' }, compact(total)));
    svg.append(g);
  });
  const every = days.length > 45 ? 14 : days.length > 20 ? 7 : days.length > 10 ? 2 : 1;
  days.forEach((d, k) => {
    if (k % every === 0) svg.append(el('text', { x: labelW + k * cell + cell / 2, y: height - 6, 'text-anchor': 'middle', class: 'chart-note' }, d.slice(5)));
  });
  const wrap = document.createElement('div');
  wrap.className = 'heatmap';
  wrap.append(scrolling(svg, days.length * cell));
  return wrap;
}

/** A wide SVG in a horizontally scrolling box, so it stays legible on a phone. */
function scrolling(svg, plotWidth) {
  const box = document.createElement('div');
  box.className = 'chart-scroll';
  svg.style.minWidth = `${Math.min(900, Math.max(320, plotWidth * 1.1))}px`;
  box.append(svg);
  return box;
}

function compact(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(n >= 1e7 ? 0 : 1) + 'M';
  if (n >= 1e4) return Math.round(n / 1e3) + 'k';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return String(n);
}

/** A "not available in this build" note for a panel. */
export function unavailable(what) {
  const p = document.createElement('p');
  p.className = 'unavailable';
  p.dataset.unavailable = 'true';
  p.textContent = `Not available in this build: ${what}`;
  return p;
}
