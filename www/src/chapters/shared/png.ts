// "Save PNG" for every figure: the figure's canvases and SVG charts (and
// the labels marked data-png-text) are drawn into one canvas at twice their
// on-screen size, in their on-screen layout, on white, and downloaded.

/** Pixels of the picture per CSS pixel of the figure. */
export const PNG_SCALE = 2;

function svgImage(svg: SVGSVGElement, width: number, height: number): Promise<HTMLImageElement> {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  // Colours given by CSS on the page (currentColor) are black in an image
  // unless set on the SVG itself.
  copy.style.color = getComputedStyle(svg).color;
  const text = new XMLSerializer().serializeToString(copy);
  const image = new Image();
  image.width = width;
  image.height = height;
  return new Promise((resolve, reject) => {
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error('a chart could not be turned into an image'));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(text)}`;
  });
}

/** The parts of a figure that are drawn into its picture. */
function drawnParts(root: HTMLElement): (HTMLElement | SVGSVGElement | HTMLCanvasElement)[] {
  return [...root.querySelectorAll<HTMLElement | SVGSVGElement | HTMLCanvasElement>('canvas, svg, [data-png-text], th, td')].filter((part) => {
    if (part instanceof SVGSVGElement && part.parentElement?.closest('svg')) return false;
    if (part.closest('[data-png-skip]')) return false;
    // A canvas with no pixels has nothing to draw, and drawImage throws on it.
    if (part instanceof HTMLCanvasElement && (part.width === 0 || part.height === 0)) return false;
    const r = part.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  });
}

/** The figure `root` as a canvas: all of it, also what a narrow screen
 * scrolls sideways (a part's box is where it is drawn, clipped or not). */
export async function figureCanvas(root: HTMLElement): Promise<HTMLCanvasElement> {
  const parts = drawnParts(root);
  const outer = root.getBoundingClientRect();
  const box = { left: outer.left, top: outer.top, right: outer.right, bottom: outer.bottom };
  for (const part of parts) {
    const r = part.getBoundingClientRect();
    box.left = Math.min(box.left, r.left);
    box.top = Math.min(box.top, r.top);
    box.right = Math.max(box.right, r.right);
    box.bottom = Math.max(box.bottom, r.bottom);
  }
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.ceil((box.right - box.left) * PNG_SCALE));
  canvas.height = Math.max(1, Math.ceil((box.bottom - box.top) * PNG_SCALE));
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.scale(PNG_SCALE, PNG_SCALE);
  for (const part of parts) {
    const r = part.getBoundingClientRect();
    const x = r.left - box.left;
    const y = r.top - box.top;
    if (part instanceof HTMLCanvasElement) {
      // Small pixel images are shown enlarged without smoothing; keep them so.
      context.imageSmoothingEnabled = part.width >= r.width;
      context.drawImage(part, x, y, r.width, r.height);
    } else if (part instanceof SVGSVGElement) {
      context.drawImage(await svgImage(part, r.width, r.height), x, y, r.width, r.height);
    } else {
      // Text: labels, and table cells (with the line under a header row).
      const style = getComputedStyle(part);
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      context.fillStyle = style.color;
      context.textBaseline = 'middle';
      const align = style.textAlign;
      const padLeft = parseFloat(style.paddingLeft) || 0;
      const padRight = parseFloat(style.paddingRight) || 0;
      const text = (part.textContent ?? '').trim();
      if (align === 'right' || align === 'end') {
        context.textAlign = 'right';
        context.fillText(text, x + r.width - padRight, y + r.height / 2);
      } else if (align === 'center' || part.hasAttribute('data-png-text')) {
        context.textAlign = 'center';
        context.fillText(text, x + r.width / 2, y + r.height / 2);
      } else {
        context.textAlign = 'left';
        context.fillText(text, x + padLeft, y + r.height / 2);
      }
      const border = parseFloat(style.borderBottomWidth) || 0;
      if (border > 0) {
        context.fillStyle = style.borderBottomColor;
        context.fillRect(x, y + r.height - border, r.width, border);
      }
    }
  }
  return canvas;
}

/** Downloads the figure `root` as `name`.png. */
export async function savePng(root: HTMLElement, name: string): Promise<void> {
  const canvas = await figureCanvas(root);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('the browser could not make a PNG of this figure');
  download(blob, `${name}.png`);
}

/** Hands `blob` to the browser as a download called `fileName`. */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the download reads the URL after this returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
