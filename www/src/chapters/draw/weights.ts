// The first layer's weights as 28x28 images: what each output unit (softmax)
// or hidden unit (one hidden layer) looks for in the image. Red is a positive
// weight (ink there raises the unit's input), blue a negative one; the colour
// scale is shared by all the images shown.
//
// While a run trains, new weights come with every curve point. They are drawn
// at most once per animation frame (sharing frames with the other panels:
// frames.ts), into the canvases already there: new
// canvases each time (ten elements, ten 2D contexts) made the page rebuild
// its layers every frame (bench/main-thread-profile.mjs).

import { drawInFrame } from '../../frames';
import type { WeightImages } from '../../protocol';

const SIDE = 28;

export class WeightGallery {
  private contexts: CanvasRenderingContext2D[] = [];
  private shownKind: WeightImages['kind'] | null = null;
  private pending: WeightImages | null = null;
  private readonly drawPending = () => this.draw();

  constructor(
    private readonly root: HTMLElement,
    private readonly caption: HTMLElement,
  ) {}

  show(images: WeightImages): void {
    this.pending = images;
    drawInFrame(this.drawPending);
  }

  private draw(): void {
    const images = this.pending;
    this.pending = null;
    if (!images) return;
    if (images.count !== this.contexts.length || images.kind !== this.shownKind) this.build(images);
    const size = SIDE * SIDE * 4;
    for (let unit = 0; unit < images.count; unit++) {
      const pixels = new Uint8ClampedArray(images.rgba.buffer as ArrayBuffer, images.rgba.byteOffset + unit * size, size);
      this.contexts[unit].putImageData(new ImageData(pixels, SIDE, SIDE), 0, 0);
    }
    const whose = images.reader === 'shipped' ? 'the shipped network' : images.reader === 'opened' ? 'your network' : 'the network being trained';
    const caption =
      images.kind === 'softmax'
        ? `Weights into each of the ten output units of ${whose}, one per digit: red pixels raise that digit's score, blue ones lower it.`
        : `Input weights of the first ${images.count} hidden units of ${whose}: red pixels excite the unit, blue ones inhibit it.`;
    if (this.caption.textContent !== caption) this.caption.textContent = caption;
  }

  /** New figures, for another network kind or number of units. */
  private build(images: WeightImages): void {
    const figures: HTMLElement[] = [];
    this.contexts = [];
    for (let unit = 0; unit < images.count; unit++) {
      const canvas = document.createElement('canvas');
      canvas.width = SIDE;
      canvas.height = SIDE;
      const label = images.kind === 'softmax' ? `digit ${unit}` : `unit ${unit + 1}`;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `weights into ${label}`);
      const figure = document.createElement('figure');
      const text = document.createElement('figcaption');
      text.textContent = images.kind === 'softmax' ? String(unit) : `#${unit + 1}`;
      figure.append(canvas, text);
      figures.push(figure);
      this.contexts.push(canvas.getContext('2d')!);
    }
    this.root.replaceChildren(...figures);
    this.root.dataset.count = String(images.count);
    this.shownKind = images.kind;
  }
}
