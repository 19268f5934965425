// The drawing canvas: strokes from mouse, pen or touch (Pointer Events), or
// from the keyboard (arrow keys move a pen, Space lowers or lifts it), drawn
// with a thick round pen on a transparent canvas. The network's preprocessing
// (src/draw.rs) reads the alpha channel as ink, crops to the ink, scales it to
// fit 20x20 and centres it by mass, so neither the colour nor where or how
// big the digit is drawn matters.

/** Canvas pixels (the backing store; CSS may show it smaller). */
export const PAD_SIZE = 280;
/** Pen width in canvas pixels: MNIST's strokes are about a tenth of the digit's height. */
const PEN_WIDTH = 22;
const INK = '#1d2433';
/** How far an arrow key moves the keyboard's pen (Shift: a quarter of it). */
const KEY_STEP = 20;

export class DrawingPad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private activePointer: number | null = null;
  private inked = false;
  /** The keyboard's pen: where it is, and whether it inks as it moves. */
  private readonly pen = { x: PAD_SIZE / 2, y: PAD_SIZE / 2, down: false };
  private readonly cursor: HTMLElement;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onChange: () => void,
  ) {
    canvas.width = PAD_SIZE;
    canvas.height = PAD_SIZE;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('this browser gives no 2D canvas context');
    this.context = context;
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    canvas.addEventListener('pointerup', (event) => this.up(event));
    canvas.addEventListener('pointercancel', (event) => this.up(event));
    canvas.addEventListener('lostpointercapture', (event) => this.up(event));
    // The keyboard's pen, shown as a ring over the canvas while it has focus.
    canvas.tabIndex = 0;
    this.cursor = document.createElement('div');
    this.cursor.className = 'pen-cursor';
    this.cursor.dataset.testid = 'pen-cursor';
    this.cursor.hidden = true;
    canvas.after(this.cursor);
    canvas.addEventListener('keydown', (event) => this.key(event));
    canvas.addEventListener('focus', () => this.showCursor());
    canvas.addEventListener('blur', () => {
      this.cursor.hidden = true;
    });
  }

  /** Arrow keys move the pen (inking if it is down), Space or Enter lowers
   * or lifts it, Escape lifts it. */
  private key(event: KeyboardEvent): void {
    const step = event.shiftKey ? KEY_STEP / 4 : KEY_STEP;
    const moves: Record<string, [number, number]> = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      const from = { x: this.pen.x, y: this.pen.y };
      this.pen.x = Math.min(PAD_SIZE, Math.max(0, this.pen.x + move[0]));
      this.pen.y = Math.min(PAD_SIZE, Math.max(0, this.pen.y + move[1]));
      if (this.pen.down) this.segment(from, this.pen);
    } else if (event.key === ' ' || event.key === 'Enter') {
      event.preventDefault();
      this.pen.down = !this.pen.down;
      if (this.pen.down) this.segment(this.pen, this.pen);
    } else if (event.key === 'Escape') {
      this.pen.down = false;
    } else {
      return;
    }
    this.showCursor();
  }

  private showCursor(): void {
    const scale = this.canvas.clientWidth / PAD_SIZE;
    this.cursor.hidden = false;
    this.cursor.style.left = `${this.canvas.offsetLeft + this.pen.x * scale}px`;
    this.cursor.style.top = `${this.canvas.offsetTop + this.pen.y * scale}px`;
    this.cursor.dataset.down = String(this.pen.down);
  }

  /** Whether anything is drawn. */
  get hasInk(): boolean {
    return this.inked;
  }

  /** The canvas's RGBA pixels; alpha is the ink. */
  pixels(): ImageData {
    return this.context.getImageData(0, 0, PAD_SIZE, PAD_SIZE);
  }

  clear(): void {
    this.context.clearRect(0, 0, PAD_SIZE, PAD_SIZE);
    this.inked = false;
    this.last = null;
    this.onChange();
  }

  private point(event: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * PAD_SIZE,
      y: ((event.clientY - box.top) / box.height) * PAD_SIZE,
    };
  }

  private down(event: PointerEvent): void {
    if (this.activePointer !== null || event.button > 0) return;
    event.preventDefault();
    this.activePointer = event.pointerId;
    this.canvas.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.segment(this.last, this.last);
  }

  private move(event: PointerEvent): void {
    if (event.pointerId !== this.activePointer || !this.last) return;
    event.preventDefault();
    // Coalesced events are the intermediate positions a fast stroke passed
    // through between two frames: without them a quick curve turns polygonal.
    const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const each of events.length > 0 ? events : [event]) {
      const next = this.point(each);
      this.segment(this.last, next);
      this.last = next;
    }
  }

  private up(event: PointerEvent): void {
    if (event.pointerId !== this.activePointer) return;
    this.activePointer = null;
    this.last = null;
  }

  private segment(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const context = this.context;
    context.strokeStyle = INK;
    context.lineWidth = PEN_WIDTH;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(from.x, from.y);
    context.lineTo(to.x, to.y);
    context.stroke();
    this.inked = true;
    this.onChange();
  }
}
