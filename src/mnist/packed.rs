//! Images kept with their blocks of black pixels marked instead of written.
//!
//! An MNIST digit is ink on black: on average 150 of its 784 pixels are not
//! 0. Written as they are, the 70,000 images are 54.9 MB, nearly all of the
//! page's WebAssembly memory. Here an image is cut into blocks of four
//! pixels and kept as
//!
//! ```text
//! one bit per block, 1 if any of its pixels is not 0 (block b is bit b % 8 of byte b / 8)
//! then the four pixels of each block whose bit is 1, in order
//! ```
//!
//! MNIST's images take 247 bytes each so on average (17.3 MB for both
//! splits, counted over every image). Blocks rather than runs of
//! zeros: runs would pack tighter (202 bytes an image), but the page's
//! softmax step took 20% longer with them (`www/bench/train-ab.mjs`,
//! BENCHMARKS.md issue 21), most likely for the branch at the end of every
//! run, whose length varies from image to image (not profiled). Four
//! blocks, sixteen pixels, unpack at once without a branch: their four bits
//! pick a byte shuffle (WebAssembly's `i8x16.swizzle`, x86's SSSE3
//! `pshufb`) that spreads the next stored blocks to their places and zeros
//! the rest; the conversion to floats is then one pass over the image, as
//! before. So unpacked, the page's softmax step takes the time it took with
//! the bytes as they were (a native one about 9% longer); the networks with
//! a hidden layer spend nearly all their time elsewhere. An image without
//! black (a face) takes 1/32 more than its pixels.

use ndarray::ArrayView2;

/// Pixels in a block.
const BLOCK: usize = 4;
/// Blocks unpacked into a buffer on the stack before they are converted:
/// a whole MNIST digit, or a face of 32x32, in one pass.
const BLOCKS_AT_ONCE: usize = 256;
/// Zero bytes kept after the last image, so that sixteen bytes can be read
/// from anywhere in an image.
const PAD: usize = 16;

/// For each four bits of four blocks, where each byte of the four blocks
/// comes from in the next sixteen stored bytes: block `j`'s byte `k` is
/// stored byte `4 r + k` if its bit is the `r`-th set one, else 0 (0x80,
/// which both shuffles read as "zero").
const SPREAD: [[u8; 16]; 16] = {
    let mut spread = [[0x80; 16]; 16];
    let mut bits = 0;
    while bits < 16 {
        let (mut rank, mut block) = (0, 0);
        while block < 4 {
            if bits >> block & 1 == 1 {
                let mut k = 0;
                while k < 4 {
                    spread[bits][4 * block + k] = (4 * rank + k) as u8;
                    k += 1;
                }
                rank += 1;
            }
            block += 1;
        }
        bits += 1;
    }
    spread
};

/// A set of images of `n_pixels` bytes each, packed image by image.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackedImages {
    n_pixels: usize,
    bytes: Vec<u8>,
    /// Where each image starts in `bytes`, and where the last one ends:
    /// one more than there are images. [`PAD`] zeros follow the end.
    starts: Vec<usize>,
}

impl PackedImages {
    /// No images yet, of `n_pixels` pixels each.
    pub fn new(n_pixels: usize) -> Self {
        PackedImages {
            n_pixels,
            bytes: vec![0; PAD],
            starts: vec![0],
        }
    }

    /// Every row of `pixels` as an image.
    pub fn from_rows(pixels: ArrayView2<'_, u8>) -> Self {
        let mut images = PackedImages::new(pixels.ncols());
        images.starts.reserve(pixels.nrows());
        for row in pixels.rows() {
            match row.as_slice() {
                Some(row) => images.push(row),
                None => images.push(&row.to_vec()),
            }
        }
        images.bytes.shrink_to_fit();
        images
    }

    /// Makes room for `images` more images of `bytes` packed bytes in all,
    /// so that a set whose size is known roughly (a download's header)
    /// grows its buffer once instead of by doubling, which would copy it
    /// and hold the old and the new buffer at once.
    pub fn reserve(&mut self, images: usize, bytes: usize) {
        self.starts.reserve(images);
        self.bytes.reserve(bytes + PAD);
    }

    /// The bytes of an image's bits, one per block.
    fn mask_len(&self) -> usize {
        self.n_pixels.div_ceil(BLOCK).div_ceil(8)
    }

    /// Adds one image.
    ///
    /// # Panics
    /// If `image` is not `n_pixels` long.
    pub fn push(&mut self, image: &[u8]) {
        assert_eq!(image.len(), self.n_pixels, "an image of the set's size");
        let mask_at = self.bytes.len() - PAD;
        self.bytes.truncate(mask_at);
        self.bytes.resize(mask_at + self.mask_len(), 0);
        for (block, pixels) in image.chunks(BLOCK).enumerate() {
            if pixels.iter().any(|&pixel| pixel != 0) {
                self.bytes[mask_at + block / 8] |= 1 << (block % 8);
                // The last block of an image whose size is not a multiple
                // of four is filled up with zeros.
                let mut whole = [0; BLOCK];
                whole[..pixels.len()].copy_from_slice(pixels);
                self.bytes.extend_from_slice(&whole);
            }
        }
        self.starts.push(self.bytes.len());
        self.bytes.extend_from_slice(&[0; PAD]);
    }

    /// The number of images.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pixels per image.
    pub fn n_pixels(&self) -> usize {
        self.n_pixels
    }

    /// The packed bytes of every image together (what the set takes, but for
    /// sixteen).
    pub fn packed_len(&self) -> usize {
        self.bytes.len()
    }

    /// Image `index` as it is stored: what [`crate::mnist::Dataset::prefetch`]
    /// loads ahead.
    ///
    /// # Panics
    /// If `index` is not below [`PackedImages::len`].
    pub fn packed(&self, index: usize) -> &[u8] {
        &self.bytes[self.starts[index]..self.starts[index + 1]]
    }

    /// Writes image `index` into `out`, each pixel through `value` (to
    /// floats scaled to 0..1, say). The blocks are unpacked into bytes on
    /// the stack (a whole digit at once: with a quarter of one at a time,
    /// the page's softmax step took 5% longer), then converted in one pass
    /// over plain slices, which vectorises wherever this is inlined.
    ///
    /// # Panics
    /// If `index` is not below [`PackedImages::len`] or `out` is not
    /// `n_pixels` long.
    #[inline]
    pub fn unpack_into<T: Copy>(&self, index: usize, out: &mut [T], value: impl Fn(u8) -> T) {
        assert_eq!(out.len(), self.n_pixels, "room for one image");
        let start = self.starts[index];
        let (mask, mut at) = (
            &self.bytes[start..start + self.mask_len()],
            start + self.mask_len(),
        );
        let mut unpacked = [0u8; BLOCK * BLOCKS_AT_ONCE];
        for (out, mask) in out
            .chunks_mut(BLOCK * BLOCKS_AT_ONCE)
            .zip(mask.chunks(BLOCKS_AT_ONCE / 8))
        {
            at = unpack_blocks(&self.bytes, at, mask, &mut unpacked);
            for (slot, &pixel) in out.iter_mut().zip(&unpacked) {
                *slot = value(pixel);
            }
        }
    }

    /// Image `index`'s pixels as they were given.
    ///
    /// # Panics
    /// If `index` is not below [`PackedImages::len`].
    pub fn unpack(&self, index: usize) -> Vec<u8> {
        let mut image = vec![0; self.n_pixels];
        self.unpack_into(index, &mut image, |pixel| pixel);
        image
    }

    /// The first `n` images (all of them if there are fewer).
    pub fn first(&self, n: usize) -> PackedImages {
        let n = n.min(self.len());
        PackedImages {
            n_pixels: self.n_pixels,
            bytes: [&self.bytes[..self.starts[n]], &[0; PAD]].concat(),
            starts: self.starts[..=n].to_vec(),
        }
    }
}

/// Unpacks the blocks of `mask`'s bits into `out`, their stored blocks read
/// from `bytes` at `at`; returns where the next block is stored.
fn unpack_blocks(
    bytes: &[u8],
    at: usize,
    mask: &[u8],
    out: &mut [u8; BLOCK * BLOCKS_AT_ONCE],
) -> usize {
    #[cfg(target_arch = "wasm32")]
    return spread_blocks::<wasm::Swizzle>(bytes, at, mask, out);
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("ssse3") {
        // SAFETY: the CPU has SSSE3 (checked just above).
        return unsafe { x86::spread_blocks_ssse3(bytes, at, mask, out) };
    }
    #[cfg(not(target_arch = "wasm32"))]
    spread_blocks::<Scalar>(bytes, at, mask, out)
}

/// A byte shuffle: byte `i` of the result is `from[index[i]]`, or 0 where
/// `index[i]` is 0x80.
trait Shuffle {
    fn shuffle(from: &[u8; 16], index: &[u8; 16]) -> [u8; 16];
}

#[inline(always)]
fn spread_blocks<S: Shuffle>(
    bytes: &[u8],
    mut at: usize,
    mask: &[u8],
    out: &mut [u8; BLOCK * BLOCKS_AT_ONCE],
) -> usize {
    for (&bits, out) in mask.iter().zip(out.chunks_exact_mut(8 * BLOCK)) {
        for (half, out) in out.chunks_exact_mut(4 * BLOCK).enumerate() {
            let bits = usize::from(bits >> (4 * half) & 0xf);
            let from = bytes[at..at + 16].try_into().expect("sixteen bytes");
            out.copy_from_slice(&S::shuffle(from, &SPREAD[bits]));
            at += BLOCK * bits.count_ones() as usize;
        }
    }
    at
}

#[cfg(not(target_arch = "wasm32"))]
struct Scalar;

#[cfg(not(target_arch = "wasm32"))]
impl Shuffle for Scalar {
    #[inline(always)]
    fn shuffle(from: &[u8; 16], index: &[u8; 16]) -> [u8; 16] {
        std::array::from_fn(|i| from.get(usize::from(index[i])).copied().unwrap_or(0))
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_shuffle_epi8, _mm_storeu_si128};

    use super::{spread_blocks, Shuffle, BLOCK, BLOCKS_AT_ONCE};

    pub(super) struct Ssse3;

    impl Shuffle for Ssse3 {
        #[inline(always)]
        fn shuffle(from: &[u8; 16], index: &[u8; 16]) -> [u8; 16] {
            let mut out = [0; 16];
            // SAFETY: each pointer is to sixteen bytes; only reached from
            // `spread_blocks_ssse3`, which runs on a CPU with SSSE3.
            unsafe {
                let from = _mm_loadu_si128(from.as_ptr().cast::<__m128i>());
                let index = _mm_loadu_si128(index.as_ptr().cast::<__m128i>());
                _mm_storeu_si128(
                    out.as_mut_ptr().cast::<__m128i>(),
                    _mm_shuffle_epi8(from, index),
                );
            }
            out
        }
    }

    /// # Safety
    /// The CPU has SSSE3.
    #[target_feature(enable = "ssse3")]
    pub(super) unsafe fn spread_blocks_ssse3(
        bytes: &[u8],
        at: usize,
        mask: &[u8],
        out: &mut [u8; BLOCK * BLOCKS_AT_ONCE],
    ) -> usize {
        spread_blocks::<Ssse3>(bytes, at, mask, out)
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use core::arch::wasm32::{i8x16_swizzle, v128, v128_load, v128_store};

    use super::Shuffle;

    /// The module is built with +simd128 (a test in web.rs checks it).
    pub(super) struct Swizzle;

    impl Shuffle for Swizzle {
        #[inline(always)]
        fn shuffle(from: &[u8; 16], index: &[u8; 16]) -> [u8; 16] {
            let mut out = [0; 16];
            // SAFETY: each pointer is to sixteen bytes (v128 loads and
            // stores need no alignment).
            unsafe {
                let from = v128_load(from.as_ptr().cast::<v128>());
                let index = v128_load(index.as_ptr().cast::<v128>());
                v128_store(out.as_mut_ptr().cast::<v128>(), i8x16_swizzle(from, index));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use ndarray::Array2;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    fn round_trip(images: &[Vec<u8>]) -> PackedImages {
        let n_pixels = images[0].len();
        let mut packed = PackedImages::new(n_pixels);
        for image in images {
            packed.push(image);
        }
        assert_eq!(packed.len(), images.len());
        for (index, image) in images.iter().enumerate() {
            assert_eq!(&packed.unpack(index), image, "image {index}");
        }
        packed
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_digit_like_image_keeps_only_its_inked_blocks() {
        // 5x6 pixels, two strokes; in blocks of four: blocks 2 and 3 hold
        // the ink of rows 1 and 2, block 7 the last two pixels (and two of
        // padding).
        let image = vec![
            0, 0, 0, 0, 0, 0, //
            0, 0, 9, 200, 0, 0, //
            0, 255, 0, 7, 0, 0, //
            0, 0, 0, 0, 0, 0, //
            0, 0, 0, 0, 0, 1,
        ];
        let packed = round_trip(&[image]);
        // 30 pixels: 8 blocks, one byte of bits (2, 3 and 7), three blocks.
        assert_eq!(
            packed.packed(0),
            [0b1000_1100, 9, 200, 0, 0, 0, 255, 0, 7, 0, 1, 0, 0]
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn images_longer_than_one_pass_and_empty_ones_come_back() {
        // 700 pixels: 175 blocks, three passes of up to 64 blocks.
        let mut image = vec![0; 700];
        image[600..699].fill(3);
        image[255] = 1;
        let packed = round_trip(&[image, vec![0; 700]]);
        // 22 bytes of bits, then blocks 63 and 150-174.
        assert_eq!(packed.packed(0).len(), 22 + 4 * (1 + 25));
        assert_eq!(packed.packed(1), [0; 22], "an empty image is its bits");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn an_image_without_black_takes_a_bit_a_block_more() {
        let grey = vec![128; 40];
        let packed = round_trip(&[grey.clone(), grey]);
        assert_eq!(packed.packed(1).len(), 2 + 40);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn unpacking_converts_each_pixel_and_the_zeros() {
        let packed = round_trip(&[vec![0, 51, 0, 255, 0, 0, 0, 0, 0]]);
        let mut out = [9.0f32; 9];
        packed.unpack_into(0, &mut out, |p| f32::from(p) / 255.0);
        assert_eq!(out, [0.0, 0.2, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    }

    /// The shuffle of CPUs without SSSE3, against the one this CPU runs
    /// (SSSE3 on any x86_64 of the last fifteen years).
    #[cfg(not(target_arch = "wasm32"))]
    #[test]
    fn the_scalar_shuffle_spreads_the_blocks_as_the_simd_one() {
        // Every pattern of four blocks, twice over: 128 blocks of pixels
        // numbered from 1, the blocks whose bit is 0 made black.
        let image: Vec<u8> = (0..512)
            .map(|i| {
                if (i / 4 / 4 % 16) >> (i / 4 % 4) & 1 == 1 {
                    (i % 251 + 1) as u8
                } else {
                    0
                }
            })
            .collect();
        let packed = round_trip(std::slice::from_ref(&image));
        let start = packed.starts[0];
        let mask = &packed.bytes[start..start + packed.mask_len()];
        let mut simd = [0; BLOCK * BLOCKS_AT_ONCE];
        let mut scalar = [0; BLOCK * BLOCKS_AT_ONCE];
        let at = start + packed.mask_len();
        let end = unpack_blocks(&packed.bytes, at, mask, &mut simd);
        assert_eq!(
            spread_blocks::<Scalar>(&packed.bytes, at, mask, &mut scalar),
            end
        );
        assert_eq!(simd, scalar);
        assert_eq!(&scalar[..512], image, "and both are the image");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn rows_and_the_first_images_keep_their_order() {
        let pixels = Array2::from_shape_fn((5, 6), |(i, j)| {
            if (i + j) % 3 == 0 {
                0
            } else {
                (i * 6 + j) as u8
            }
        });
        let packed = PackedImages::from_rows(pixels.view());
        for (index, row) in pixels.rows().into_iter().enumerate() {
            assert_eq!(packed.unpack(index), row.to_vec());
        }
        let first = packed.first(2);
        assert_eq!((first.len(), first.unpack(1)), (2, pixels.row(1).to_vec()));
        assert_eq!(packed.first(9), packed, "all of them if there are fewer");
    }
}
