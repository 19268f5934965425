// The first layer's weights as 28x28 images: what each output unit (softmax)
// or hidden unit (one hidden layer) looks for in the image. Red is a positive
// weight (ink there raises the unit's input), blue a negative one; the colour
// scale is shared by all the images shown.
//
// While a run trains, new weights come with every curve point. They are drawn
// at most once per animation frame (sharing frames with the other panels:
// frames.ts), into the canvases already there. The images are tiles of one
// canvas per row (one row of ten; two of five on a phone): with a canvas per
// image, the browser's layerisation and commit of a frame took about twice
// what they take with one canvas or none (main-thread-profile.mjs at 4x, one
// run each: 18 against 9 ms layerising, 25 against 13 ms committing). A grid
// over the canvases, with the same columns and gaps in proportion, gives
// each tile its frame and its caption.

import { drawInFrame } from '../../frames';
import type { WeightImages } from '../../protocol';
import { digitImage, SIDE } from '../shared/lesson';

/** Between two tiles, in the canvas's pixels (7 CSS pixels on a wide screen, where a tile is 51, as measured in the page). */
const GAP = 4;
/** On a phone (style.css's narrowest breakpoint) the tiles go in two rows of
 * five, each row one canvas, to stay big enough to read. */
const NARROW = '(max-width: 520px)';

export class WeightGallery {
  /** One 2D context per row of tiles. */
  private rows: CanvasRenderingContext2D[] = [];
  private perRow = 10;
  private shownCount = 0;
  private shownKind: WeightImages['kind'] | null = null;
  private pending: WeightImages | null = null;
  /** The images drawn last, drawn again when the rows change. */
  private last: WeightImages | null = null;
  private readonly drawPending = () => this.draw();
  private readonly narrow = matchMedia(NARROW);

  constructor(
    private readonly root: HTMLElement,
    private readonly caption: HTMLElement,
  ) {
    // Drawn again, in the new number of rows (unless newer images are queued).
    this.narrow.addEventListener('change', () => {
      if (!this.last || this.pending) return;
      this.pending = this.last;
      drawInFrame(this.drawPending);
    });
  }

  show(images: WeightImages): void {
    this.pending = images;
    drawInFrame(this.drawPending);
  }

  private draw(): void {
    const images = this.pending;
    this.pending = null;
    if (!images) return;
    const perRow = this.narrow.matches ? 5 : 10;
    if (images.count !== this.shownCount || images.kind !== this.shownKind || perRow !== this.perRow) this.build(images, perRow);
    for (let unit = 0; unit < images.count; unit++) {
      const row = this.rows[Math.floor(unit / this.perRow)];
      row.putImageData(digitImage(images.rgba, unit), (unit % this.perRow) * (SIDE + GAP), 0);
    }
    this.last = images;
    const whose = images.reader === 'shipped' ? 'the shipped network' : images.reader === 'opened' ? 'your network' : 'the network being trained';
    const caption =
      images.kind === 'softmax'
        ? `Weights into each of the ten output units of ${whose}, one per digit: red pixels raise that digit's score, blue ones lower it.`
        : `Input weights of the first ${images.count} hidden units of ${whose}: red pixels excite the unit, blue ones inhibit it.`;
    if (this.caption.textContent !== caption) this.caption.textContent = caption;
  }

  /** A canvas per row of tiles, with a frame and a caption per tile. */
  private build(images: WeightImages, perRow: number): void {
    const { count, kind } = images;
    this.perRow = perRow;
    const columns = Math.min(count, this.perRow);
    const children: HTMLElement[] = [];
    this.rows = [];
    for (let first = 0; first < count; first += this.perRow) {
      const tiles = Math.min(this.perRow, count - first);
      // Grid rows in pairs: a row of tiles, then their captions.
      const tileRow = (2 * first) / this.perRow + 1;
      const gridRow = String(tileRow);
      const canvas = document.createElement('canvas');
      canvas.width = tiles * SIDE + (tiles - 1) * GAP;
      canvas.height = SIDE;
      canvas.style.gridRow = gridRow;
      canvas.style.gridColumn = `1 / span ${tiles}`;
      const lastUnit = first + tiles - 1;
      canvas.setAttribute('role', 'img');
      canvas.setAttribute(
        'aria-label',
        kind === 'softmax'
          ? `weights into the output units of digits ${first} to ${lastUnit}, from left to right`
          : `input weights of hidden units ${first + 1} to ${lastUnit + 1}, from left to right`,
      );
      const context = canvas.getContext('2d');
      if (!context) throw new Error('the browser gave no 2D canvas for the weight images');
      this.rows.push(context);
      children.push(canvas);
      for (let unit = first; unit <= lastUnit; unit++) {
        const frame = document.createElement('span');
        frame.className = 'weights-frame';
        frame.style.gridRow = gridRow;
        frame.style.gridColumn = String(unit - first + 1);
        const label = document.createElement('span');
        label.className = 'weights-label';
        label.style.gridRow = String(tileRow + 1);
        label.style.gridColumn = frame.style.gridColumn;
        label.textContent = kind === 'softmax' ? String(unit) : `#${unit + 1}`;
        children.push(frame, label);
      }
    }
    const fullRow = columns * SIDE + (columns - 1) * GAP;
    this.root.style.gridTemplateColumns = `repeat(${columns}, minmax(0, 1fr))`;
    // A percentage gap is a share of the grid's width, as GAP is of a full row's canvas.
    this.root.style.columnGap = `${(100 * GAP) / fullRow}%`;
    this.root.replaceChildren(...children);
    this.root.dataset.count = String(count);
    this.shownCount = count;
    this.shownKind = kind;
  }
}
