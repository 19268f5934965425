// The worker's side of "Use your own faces" (chapter 8): each photograph or
// webcam shot the learner adds becomes its 64x64 grey crop here, and the
// faces, once there are enough, become the faces parts 8 and 9 show and
// train on (at 32x32), in place of the shipped ones, and the faces part 10
// computes features of (at 64x64).
//
// The browser decodes (createImageBitmap); the library does the rest
// (src/faces/own.rs, behind src/web.rs): it recognises the file and reads
// its size from the header before anything is decoded, and crops, greys and
// prepares exactly as `gradlab faces prepare --source folder` does. The
// worker keeps nothing: the page holds the faces, so a restarted worker
// loses none of them.

import { checkPersonName, checkPhotoSize, ownFaceFromFile, ownFaceFromRgba, ownFacePath, prepareOwnFaces, readPhotoHeader } from '../../pkg/gradlab.js';
import type { OwnFace, OwnFacesAdded, OwnPhoto, Request } from '../protocol';
import { describe, isTrap } from './errors';

type OwnFacesRequest = Extract<Request, { type: 'own-faces-add' | 'own-faces-use' }>;

export function isOwnFacesRequest(request: Request): request is OwnFacesRequest {
  return request.type === 'own-faces-add' || request.type === 'own-faces-use';
}

/** Enough of a file for any header's size: JPEG's frame header follows its
 * metadata segments, each at most 64 KB. */
const HEADER_BYTES = 1 << 20;

/** The RGBA pixels of an image the browser can decode, sized by the library first. */
async function decode(name: string, blob: Blob): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch (error) {
    throw new Error(`${name} is not an image the browser can decode (${error instanceof Error ? error.message : String(error)}): use JPEG, PNG, WebP, GIF, BMP, AVIF or PGM photographs`);
  }
  try {
    // AVIF's size is known only now; the others' were checked from their headers.
    checkPhotoSize(name, bitmap.width, bitmap.height);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (!context) throw new Error('this browser gives no 2D canvas in a worker');
    context.drawImage(bitmap, 0, 0);
    const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return { width: bitmap.width, height: bitmap.height, rgba: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  } finally {
    bitmap.close();
  }
}

/** One photograph or shot as its face. Throws the library's message. */
async function faceOf(photo: OwnPhoto): Promise<Uint8Array> {
  if (photo.kind === 'pixels') return ownFaceFromRgba(photo.name, photo.width, photo.height, new Uint8Array(photo.rgba));
  const header = readPhotoHeader(photo.name, new Uint8Array(await photo.blob.slice(0, HEADER_BYTES).arrayBuffer()));
  if (header.format === 'pgm') return ownFaceFromFile(photo.name, new Uint8Array(await photo.blob.arrayBuffer()));
  const { width, height, rgba } = await decode(photo.name, photo.blob);
  return ownFaceFromRgba(photo.name, width, height, rgba);
}

export function createOwnFaces() {
  return {
    /** Each photograph's face, or why it was refused: one bad file does not
     * stop the others. `taken` lists the paths the person already has. */
    async add(person: string, photos: OwnPhoto[], taken: string[]): Promise<OwnFacesAdded> {
      checkPersonName(person);
      const added: OwnFace[] = [];
      const refused: { name: string; message: string }[] = [];
      const paths = [...taken];
      for (const photo of photos) {
        try {
          const pixels = await faceOf(photo);
          const path = ownFacePath(person, photo.name, paths);
          paths.push(path);
          added.push({ person, path, pixels });
        } catch (error) {
          // A panic leaves the module unusable: the page restarts the worker.
          if (isTrap(error)) throw error;
          refused.push({ name: photo.name, message: describe(error) });
        }
      }
      return { added, refused };
    },

    /** The faces as a face set of `size x size` faces (the library checks
     * the people and counts, and scales each crop). */
    prepare(faces: OwnFace[], seed: number, size: number) {
      const crops = new Uint8Array(faces.reduce((n, f) => n + f.pixels.length, 0));
      let at = 0;
      for (const face of faces) {
        crops.set(face.pixels, at);
        at += face.pixels.length;
      }
      return prepareOwnFaces(
        faces.map((f) => f.person),
        faces.map((f) => f.path),
        crops,
        Uint32Array.from(faces, (f) => f.pixels.length),
        size,
        seed,
      );
    },
  };
}
