// The 784 -> 10 network as a diagram (SVG, drawn here: it is a picture, not
// a chart): the image, its pixels as inputs, every input joined to every
// output by one weight, the ten logits, the softmax and the ten
// probabilities. With a forward pass, the image is the chosen one and the
// outputs are coloured by their probability.

const WIDTH = 660;
const HEIGHT = 330;
const ACCENT = '#2563eb';
const INK = '#1d2433';
const MUTED = '#5b6475';
const LINE = '#c9cfd9';

export interface DiagramValues {
  image: string | null;
  logits: number[];
  probabilities: number[];
  predicted: number;
}

function text(x: number, y: number, content: string, size = 12, fill = INK, anchor = 'middle', weight = 400): string {
  return `<text x="${x}" y="${y}" font-size="${size}" fill="${fill}" text-anchor="${anchor}" font-weight="${weight}" dominant-baseline="middle" font-family="system-ui, sans-serif">${content}</text>`;
}

export function diagram(values: DiagramValues | null): string {
  const inputs = ['1', 'x₁', 'x₂', 'x₃', '⋮', 'x₇₈₃', 'x₇₈₄'];
  const inX = 190;
  const outX = 420;
  const pX = 590;
  const top = 50;
  const inY = (i: number) => top + 12 + i * 38;
  const outY = (k: number) => top + k * 25.5;
  const parts: string[] = [];
  // Every input to every output: one weight each (the ellipsis stands for the rest).
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i] === '⋮') continue;
    for (let k = 0; k < 10; k++) {
      parts.push(`<line x1="${inX + 14}" y1="${inY(i)}" x2="${outX - 14}" y2="${outY(k)}" stroke="${i === 0 ? '#f3b49f' : LINE}" stroke-width="0.8"/>`);
    }
  }
  // The image and its flattening.
  parts.push(`<rect x="14" y="${top + 80}" width="84" height="84" fill="#fff" stroke="${LINE}"/>`);
  if (values?.image) {
    parts.push(`<image href="${values.image}" x="16" y="${top + 82}" width="80" height="80" style="image-rendering: pixelated" preserveAspectRatio="none"/>`);
  }
  parts.push(text(56, top + 180, '28×28 image', 12, MUTED));
  parts.push(`<path d="M104 ${top + 122} L158 ${top + 122}" stroke="${MUTED}" stroke-width="1.5" marker-end="url(#arrow)"/>`);
  parts.push(text(131, top + 108, 'flatten', 11, MUTED));
  // Inputs.
  inputs.forEach((name, i) => {
    if (name === '⋮') {
      parts.push(text(inX, inY(i), '⋮', 18, MUTED));
      return;
    }
    const bias = i === 0;
    parts.push(`<circle cx="${inX}" cy="${inY(i)}" r="14" fill="${bias ? '#fdecE6' : '#fff'}" stroke="${bias ? '#e4572e' : MUTED}"/>`);
    parts.push(text(inX, inY(i), name, 11, INK));
  });
  parts.push(text(inX, 22, 'input x', 13, INK, 'middle', 700));
  parts.push(text(inX, 38, '784 pixels + a 1 for the bias', 11, MUTED));
  // Outputs: logits, softmax, probabilities.
  parts.push(text(outX, 22, 'logits z = Wᵀx', 13, INK, 'middle', 700));
  parts.push(text(pX, 22, 'p = softmax(z)', 13, INK, 'middle', 700));
  for (let k = 0; k < 10; k++) {
    const y = outY(k);
    const p = values ? values.probabilities[k] : 0;
    const best = values !== null && values.predicted === k;
    parts.push(`<circle cx="${outX}" cy="${y}" r="11" fill="#fff" stroke="${MUTED}"/>`);
    parts.push(text(outX, y, String(k), 11, INK));
    if (values) parts.push(text(outX + 18, y, values.logits[k].toFixed(1), 10, MUTED, 'start'));
    parts.push(`<line x1="${outX + 50}" y1="${y}" x2="${pX - 16}" y2="${y}" stroke="${LINE}" stroke-width="1"/>`);
    const fill = values ? `rgba(37, 99, 235, ${Math.max(0.04, p).toFixed(3)})` : '#fff';
    parts.push(`<circle cx="${pX}" cy="${y}" r="11" fill="${fill}" stroke="${best ? ACCENT : MUTED}" stroke-width="${best ? 2.5 : 1}"/>`);
    parts.push(text(pX, y, String(k), 11, p > 0.5 ? '#fff' : INK, 'middle', best ? 700 : 400));
    if (values) parts.push(text(pX + 18, y, `${(100 * p).toFixed(p >= 0.995 || p < 0.001 ? 0 : 1)}%`, 10, best ? ACCENT : MUTED, 'start', best ? 700 : 400));
  }
  parts.push(`<rect x="${outX + 60}" y="${top + 95}" width="56" height="40" rx="6" fill="#f5f6f9" stroke="${MUTED}"/>`);
  parts.push(text(outX + 88, top + 115, 'softmax', 11, INK));
  parts.push(text((inX + outX) / 2, HEIGHT - 14, 'W: 785 × 10 = 7,850 weights, one per line (the orange ones are the biases)', 11, MUTED));
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img"
    aria-label="The network: 784 pixels and a bias input, each joined by a weight to each of 10 outputs, whose softmax gives the 10 probabilities" class="diagram">
    <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
      <path d="M0 0 L10 5 L0 10 z" fill="${MUTED}"/></marker></defs>
    <rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>
    ${parts.join('\n')}
  </svg>`;
}
