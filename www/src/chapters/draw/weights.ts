// The first layer's weights as 28x28 images: what each output unit (softmax)
// or hidden unit (one hidden layer) looks for in the image. Red is a positive
// weight (ink there raises the unit's input), blue a negative one; the colour
// scale is shared by all the images shown.

import type { WeightImages } from '../../protocol';

const SIDE = 28;

export class WeightGallery {
  constructor(
    private readonly root: HTMLElement,
    private readonly caption: HTMLElement,
  ) {}

  show(images: WeightImages): void {
    const size = SIDE * SIDE * 4;
    const figures: HTMLElement[] = [];
    for (let unit = 0; unit < images.count; unit++) {
      const canvas = document.createElement('canvas');
      canvas.width = SIDE;
      canvas.height = SIDE;
      const pixels = new Uint8ClampedArray(images.rgba.buffer as ArrayBuffer, images.rgba.byteOffset + unit * size, size);
      canvas.getContext('2d')!.putImageData(new ImageData(pixels, SIDE, SIDE), 0, 0);
      const label = images.kind === 'softmax' ? `digit ${unit}` : `unit ${unit + 1}`;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute('aria-label', `weights into ${label}`);
      const figure = document.createElement('figure');
      const text = document.createElement('figcaption');
      text.textContent = images.kind === 'softmax' ? String(unit) : `#${unit + 1}`;
      figure.append(canvas, text);
      figures.push(figure);
    }
    this.root.replaceChildren(...figures);
    this.root.dataset.count = String(images.count);
    const whose = images.reader === 'shipped' ? 'the shipped network' : images.reader === 'opened' ? 'your network' : 'the network being trained';
    this.caption.textContent =
      images.kind === 'softmax'
        ? `Weights into each of the ten output units of ${whose}, one per digit: red pixels raise that digit's score, blue ones lower it.`
        : `Input weights of the first ${images.count} hidden units of ${whose}: red pixels excite the unit, blue ones inhibit it.`;
  }
}
