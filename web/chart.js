// A hand-drawn line chart on a <canvas>: a few series of numbers, newest last.
// No dependencies; redraw it whenever the data changes.

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{label: string, color: string, values: number[]}[]} series
 * @param {{points?: number, unit?: string}} options
 */
export function drawChart(canvas, series, { points = 60, unit = '' } = {}) {
  const dpr = window.devicePixelRatio || 1;
  const cssWidth = canvas.clientWidth || canvas.width;
  const cssHeight = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(cssHeight * dpr)) {
    canvas.width = Math.round(cssWidth * dpr);
    canvas.height = Math.round(cssHeight * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssWidth, cssHeight);

  // A short history is stretched over at least 20 slots, so a young chart is readable.
  const longest = Math.max(0, ...series.map((s) => s.values.length));
  points = Math.max(2, Math.min(points, Math.max(longest, 20)));
  const pad = { left: 44, right: 8, top: 18, bottom: 6 };
  const w = cssWidth - pad.left - pad.right;
  const h = cssHeight - pad.top - pad.bottom;
  let max = 0;
  for (const s of series) for (const v of s.values.slice(-points)) max = Math.max(max, v);
  max = niceCeiling(max);

  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#263140';
  ctx.fillStyle = '#8a98a8';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (let i = 0; i <= 2; i++) {
    const y = pad.top + (h * i) / 2;
    ctx.beginPath();
    ctx.moveTo(pad.left, y + 0.5);
    ctx.lineTo(pad.left + w, y + 0.5);
    ctx.stroke();
    ctx.fillText(formatNumber((max * (2 - i)) / 2) + unit, pad.left - 6, y);
  }

  for (const s of series) {
    const values = s.values.slice(-points);
    if (values.length === 0) continue;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = pad.left + (w * (points - values.length + i)) / (points - 1);
      const y = pad.top + h - (max > 0 ? (v / max) * h : 0);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }

  // Legend with each series' latest value.
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  let x = pad.left;
  for (const s of series) {
    const last = s.values.length ? s.values[s.values.length - 1] : 0;
    const text = `${s.label} ${formatNumber(last)}${unit}`;
    ctx.fillStyle = s.color;
    ctx.fillRect(x, 3, 8, 8);
    ctx.fillStyle = '#dce3ea';
    ctx.fillText(text, x + 12, 1);
    x += ctx.measureText(text).width + 28;
  }
}

function niceCeiling(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (v <= m * p) return m * p;
  return 10 * p;
}

export function formatNumber(v) {
  if (!Number.isFinite(v)) return '-';
  if (Math.abs(v) >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (Math.abs(v) >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(v < 10 ? 1 : 0);
}
