// What the network makes of the drawing: the 28x28 image it reads, the
// predicted digit and the ten class probabilities as bars.

import type { Prediction } from '../../protocol';

export class Readout {
  private readonly inputContext: CanvasRenderingContext2D;
  private readonly bars: HTMLElement[] = [];
  private readonly values: HTMLElement[] = [];
  /** The digit last announced, so that a screen reader hears each new reading once. */
  private announced: number | null = null;
  /** The image last drawn as the network's input. */
  private input: Uint8ClampedArray | null = null;

  constructor(
    input: HTMLCanvasElement,
    private readonly digit: HTMLOutputElement,
    private readonly confidence: HTMLElement,
    chart: HTMLElement,
    private readonly announcement: HTMLElement,
  ) {
    input.width = 28;
    input.height = 28;
    this.inputContext = input.getContext('2d')!;
    for (let d = 0; d < 10; d++) {
      const column = document.createElement('div');
      column.className = 'bar';
      column.dataset.digit = String(d);
      column.innerHTML = `<span class="bar-value">0%</span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-label">${d}</span>`;
      this.bars.push(column.querySelector<HTMLElement>('.bar-fill')!);
      this.values.push(column.querySelector<HTMLElement>('.bar-value')!);
      chart.append(column);
    }
    this.showEmpty();
  }

  showEmpty(): void {
    this.inputContext.fillStyle = '#fff';
    this.inputContext.fillRect(0, 0, 28, 28);
    this.input = null;
    this.digit.textContent = '';
    this.confidence.textContent = 'Draw a digit';
    this.setBars(null);
    this.announced = null;
  }

  show(prediction: Prediction): void {
    if (!prediction.probabilities || !prediction.input) {
      this.showEmpty();
      return;
    }
    const rgba = new Uint8ClampedArray(prediction.input.buffer as ArrayBuffer, prediction.input.byteOffset, prediction.input.byteLength);
    // While a network trains the same drawing is read again and again.
    if (!sameBytes(rgba, this.input)) {
      this.inputContext.putImageData(new ImageData(rgba, 28, 28), 0, 0);
      this.input = rgba;
    }
    const probabilities = prediction.probabilities;
    let best = 0;
    for (let d = 1; d < 10; d++) if (probabilities[d] > probabilities[best]) best = d;
    if (this.digit.textContent !== String(best)) this.digit.textContent = String(best);
    const sure = `${formatPercent(probabilities[best])} sure`;
    if (this.confidence.textContent !== sure) this.confidence.textContent = sure;
    this.setBars(probabilities, best);
    if (best !== this.announced) {
      this.announced = best;
      this.announcement.textContent = `The network reads ${best}, ${formatPercent(probabilities[best])} sure.`;
    }
  }

  private setBars(probabilities: number[] | null, best = -1): void {
    for (let d = 0; d < 10; d++) {
      const p = probabilities ? probabilities[d] : 0;
      // Heights in steps of 1/256 of the bar (a third of a pixel at its
      // 84 px), and nothing written that has not changed: while a network
      // trains, a reading comes every frame, and each new transform would
      // start a new transition and with it new compositor layers.
      const transform = `scaleY(${Number.isFinite(p) ? Math.round(p * 256) / 256 : 0})`;
      if (this.bars[d].style.transform !== transform) this.bars[d].style.transform = transform;
      this.bars[d].parentElement!.parentElement!.classList.toggle('best', d === best);
      const text = probabilities ? formatPercent(p) : '';
      if (this.values[d].textContent !== text) this.values[d].textContent = text;
    }
  }
}

function sameBytes(a: Uint8ClampedArray, b: Uint8ClampedArray | null): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '?';
  const percent = p * 100;
  return percent >= 99.5 || percent < 0.5 ? `${Math.round(percent)}%` : `${percent.toFixed(percent < 10 ? 1 : 0)}%`;
}
