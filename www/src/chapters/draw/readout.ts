// What the network makes of the drawing: the 28x28 image it reads, the
// predicted digit and the ten class probabilities as bars.

import type { Prediction } from '../../protocol';

export class Readout {
  private readonly inputContext: CanvasRenderingContext2D;
  private readonly bars: HTMLElement[] = [];
  private readonly values: HTMLElement[] = [];
  /** The digit last announced, so that a screen reader hears each new reading once. */
  private announced: number | null = null;

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
    this.inputContext.putImageData(new ImageData(rgba, 28, 28), 0, 0);
    const probabilities = prediction.probabilities;
    let best = 0;
    for (let d = 1; d < 10; d++) if (probabilities[d] > probabilities[best]) best = d;
    this.digit.textContent = String(best);
    this.confidence.textContent = `${formatPercent(probabilities[best])} sure`;
    this.setBars(probabilities, best);
    if (best !== this.announced) {
      this.announced = best;
      this.announcement.textContent = `The network reads ${best}, ${formatPercent(probabilities[best])} sure.`;
    }
  }

  private setBars(probabilities: number[] | null, best = -1): void {
    for (let d = 0; d < 10; d++) {
      const p = probabilities ? probabilities[d] : 0;
      this.bars[d].style.transform = `scaleY(${Number.isFinite(p) ? p : 0})`;
      this.bars[d].parentElement!.parentElement!.classList.toggle('best', d === best);
      this.values[d].textContent = probabilities ? formatPercent(p) : '';
    }
  }
}

function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return '?';
  const percent = p * 100;
  return percent >= 99.5 || percent < 0.5 ? `${Math.round(percent)}%` : `${percent.toFixed(percent < 10 ? 1 : 0)}%`;
}
