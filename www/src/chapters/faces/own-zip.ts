// "Download as zip" for chapter 8's own faces: the learner's faces in the
// layout `gradlab faces prepare --source folder` reads, so that the native
// binary trains on the same faces:
//
//   my-faces/Ann/IMG_0001.png      (a face's path is `person/stem.png`,
//   my-faces/Ann/shot-3.png         made unique per person when added:
//   my-faces/Ben/...                src/faces/own.rs, face_path)
//
// Each face is the 64x64 grey crop the page keeps, as a PNG the browser
// encodes. Preparing those crops natively gives the sets the page prepares,
// at 32 for parts 8 and 9 and at 64 for part 10 (src/faces/own.rs,
// prepare_own). The PNGs are compressed already, so the zip stores them as
// they are.

import { zipSync } from 'fflate';
import { faceSide, type OwnFace } from '../../protocol';

/** The folder the zip unpacks to, and the zip's name without `.zip`. */
export const ZIP_FOLDER = 'my-faces';

/** A grey face as a PNG, encoded by the browser. */
async function facePng(face: OwnFace): Promise<Uint8Array> {
  const side = faceSide(face);
  if (face.pixels.length !== side * side) {
    throw new Error(`${face.path} has ${face.pixels.length} pixels, not a square face`);
  }
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('this browser gives the page no 2D canvas to draw the faces on');
  const rgba = new Uint8ClampedArray(side * side * 4);
  face.pixels.forEach((v, i) => rgba.set([v, v, v, 255], 4 * i));
  context.putImageData(new ImageData(rgba, side, side), 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error(`the browser could not make a PNG of ${face.path}`);
  return new Uint8Array(await blob.arrayBuffer());
}

/**
 * The faces as a zip of `my-faces/person/name.png`. Throws, naming the
 * face, if one cannot be encoded or two share a path (one would overwrite
 * the other in the zip); the faces themselves are only read.
 */
export async function ownFacesZip(faces: readonly OwnFace[]): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const face of faces) {
    const path = `${ZIP_FOLDER}/${face.path}`;
    if (path in files) throw new Error(`two faces are both ${face.path}: remove one of them and download again`);
    files[path] = await facePng(face);
  }
  // Level 0: stored, not deflated again.
  return zipSync(files, { level: 0 });
}
