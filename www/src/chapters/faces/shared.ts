// What parts 8 and 9 share: the faces (loaded once from the worker), a face
// or weight image on a canvas, and the news that part 8 retrained its network.

import type { Lab } from '../../lab';
import type { FacesInfo } from '../../protocol';

let info: Promise<FacesInfo> | null = null;

/** The exported faces and the shipped network's training, once per page. */
export function loadFaces(lab: Lab): Promise<FacesInfo> {
  info ??= lab.request({ type: 'faces-load' }).catch((error: unknown) => {
    info = null;
    throw error;
  });
  return info;
}


/** Forgets the loaded faces (after the worker restarted). */
export function forgetFaces(): void {
  info = null;
}

/** A canvas showing `size x size` RGBA image number `n` of `rgba`. */
export function faceCanvas(rgba: Uint8Array, n: number, size: number, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.className = 'face-canvas';
  canvas.width = size;
  canvas.height = size;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const bytes = size * size * 4;
  const pixels = new Uint8ClampedArray(rgba.buffer as ArrayBuffer, rgba.byteOffset + n * bytes, bytes);
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(pixels), size, size), 0, 0);
  return canvas;
}

/** Dispatched on `window` when part 8 has retrained the network. */
export const TRAINED_EVENT = 'gradlab-faces-trained';

/** Whether part 8 has retrained the network in this worker. */
export const retrained = { done: false };

export const SPLIT_NAMES = ['training', 'validation', 'test'] as const;
