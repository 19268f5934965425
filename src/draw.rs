//! Draw a digit: turning a person's drawing into the 28x28 input that the
//! MNIST networks expect, the way MNIST itself was made.
//!
//! MNIST's digits were size-normalised to fit a 20x20 box keeping their
//! aspect ratio (anti-aliased, hence the grey levels), then placed in a 28x28
//! field so that their centre of mass sits at the centre. A drawing that skips
//! any of this (a small digit in a corner, a digit stretched to fill the box)
//! is far from anything the network saw and is misread. So:
//!
//! 1. crop to the bounding box of the ink;
//! 2. scale so the longer side is 20 pixels, keeping the aspect ratio, with a
//!    filter that averages over the source pixels (anti-aliasing);
//! 3. paste into 28x28 so that the centre of mass is at the centre
//!    (rounded to whole pixels, as a translation of the field).

use image::imageops::{self, FilterType};
use image::{ImageBuffer, Luma};

/// The side of MNIST's images.
pub const SIDE: usize = 28;
/// The side of the box MNIST's digits were scaled to fit.
pub const BOX: usize = 20;

/// Why a drawing cannot be turned into an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("the canvas is {width}x{height} but the buffer holds {found} bytes, not {expected}")]
    BufferSize {
        width: usize,
        height: usize,
        expected: usize,
        found: usize,
    },
    #[error("nothing is drawn yet")]
    NoInk,
    #[error("a canvas of {width}x{height} pixels is larger than this machine can address")]
    TooLarge { width: usize, height: usize },
}

/// `width * height * channels`, or [`DrawError::TooLarge`] when that (or a
/// side, which the resampling takes as a `u32`) does not fit.
fn buffer_len(width: usize, height: usize, channels: usize) -> Result<usize, DrawError> {
    let too_large = DrawError::TooLarge { width, height };
    if u32::try_from(width).is_err() || u32::try_from(height).is_err() {
        return Err(too_large);
    }
    width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(channels))
        .ok_or(too_large)
}

type Gray = ImageBuffer<Luma<f32>, Vec<f32>>;

/// The ink of an RGBA canvas (4 bytes a pixel, row by row): its alpha channel,
/// 0..1. Strokes drawn in any colour on a transparent canvas are ink.
pub fn ink_from_rgba(rgba: &[u8], width: usize, height: usize) -> Result<Vec<f32>, DrawError> {
    let expected = buffer_len(width, height, 4)?;
    if rgba.len() != expected {
        return Err(DrawError::BufferSize {
            width,
            height,
            expected,
            found: rgba.len(),
        });
    }
    Ok(rgba
        .chunks_exact(4)
        .map(|pixel| f32::from(pixel[3]) / 255.0)
        .collect())
}

/// The 28x28 input (row by row, 0..1, 1 is ink) for a drawing given as ink
/// intensities, `width` x `height`, row by row.
pub fn to_mnist(ink: &[f32], width: usize, height: usize) -> Result<Vec<f32>, DrawError> {
    let expected = buffer_len(width, height, 1)?;
    if ink.len() != expected {
        return Err(DrawError::BufferSize {
            width,
            height,
            expected,
            found: ink.len(),
        });
    }
    // A canvas of no pixels has no ink; said at once, not after scanning
    // every column of a 0-pixel-high canvas a billion pixels wide.
    if expected == 0 {
        return Err(DrawError::NoInk);
    }
    // 1. The bounding box of everything that is not blank.
    let inked = |x: usize, y: usize| ink[y * width + x] > 0.0;
    let rows: Vec<usize> = (0..height)
        .filter(|&y| (0..width).any(|x| inked(x, y)))
        .collect();
    let cols: Vec<usize> = (0..width)
        .filter(|&x| (0..height).any(|y| inked(x, y)))
        .collect();
    let (Some(&top), Some(&bottom), Some(&left), Some(&right)) =
        (rows.first(), rows.last(), cols.first(), cols.last())
    else {
        return Err(DrawError::NoInk);
    };
    let (crop_w, crop_h) = (right - left + 1, bottom - top + 1);
    let crop = Gray::from_fn(crop_w as u32, crop_h as u32, |x, y| {
        Luma([ink[(top + y as usize) * width + left + x as usize].clamp(0.0, 1.0)])
    });

    // 2. The longer side to 20 pixels. The triangle filter's support widens
    // with the scale factor when shrinking, so every source pixel counts.
    let scale = BOX as f32 / crop_w.max(crop_h) as f32;
    let new_w = ((crop_w as f32 * scale).round() as u32).clamp(1, BOX as u32);
    let new_h = ((crop_h as f32 * scale).round() as u32).clamp(1, BOX as u32);
    let scaled = imageops::resize(&crop, new_w, new_h, FilterType::Triangle);

    // 3. Centre of mass to the centre of the field. Pixel (x, y) covers
    // [x, x + 1), so its centre is x + 0.5 and the field's centre is 14.
    let (mut mass, mut sum_x, mut sum_y) = (0.0_f32, 0.0_f32, 0.0_f32);
    for (x, y, pixel) in scaled.enumerate_pixels() {
        let value = pixel[0];
        mass += value;
        sum_x += value * (x as f32 + 0.5);
        sum_y += value * (y as f32 + 0.5);
    }
    if mass <= 0.0 {
        return Err(DrawError::NoInk);
    }
    let centre = SIDE as f32 / 2.0;
    let offset_x = (centre - sum_x / mass).round() as i64;
    let offset_y = (centre - sum_y / mass).round() as i64;
    let mut field = vec![0.0_f32; SIDE * SIDE];
    for (x, y, pixel) in scaled.enumerate_pixels() {
        let (fx, fy) = (x as i64 + offset_x, y as i64 + offset_y);
        // A very lopsided digit can have its centre of mass far enough from
        // its box's centre that an edge leaves the field: that part is cut,
        // as it was for MNIST.
        if (0..SIDE as i64).contains(&fx) && (0..SIDE as i64).contains(&fy) {
            field[fy as usize * SIDE + fx as usize] = pixel[0].clamp(0.0, 1.0);
        }
    }
    Ok(field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A `width` x `height` canvas with a filled rectangle of ink.
    fn canvas_with_rect(
        width: usize,
        height: usize,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
    ) -> Vec<f32> {
        let mut ink = vec![0.0; width * height];
        for y in y0..y1 {
            for x in x0..x1 {
                ink[y * width + x] = 1.0;
            }
        }
        ink
    }

    fn ink_box(field: &[f32]) -> (usize, usize, usize, usize) {
        let on: Vec<(usize, usize)> = (0..SIDE * SIDE)
            .filter(|&i| field[i] > 0.0)
            .map(|i| (i % SIDE, i / SIDE))
            .collect();
        let xs = on.iter().map(|p| p.0);
        let ys = on.iter().map(|p| p.1);
        (
            xs.clone().min().unwrap(),
            ys.clone().min().unwrap(),
            xs.max().unwrap(),
            ys.max().unwrap(),
        )
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_tall_stroke_keeps_its_aspect_ratio_and_is_centred() {
        // 40 wide, 200 tall: scaled by 20 / 200 to 4 x 20.
        let ink = canvas_with_rect(280, 280, (10, 30, 50, 230));
        let field = to_mnist(&ink, 280, 280).unwrap();
        let (x0, y0, x1, y1) = ink_box(&field);
        assert_eq!((x1 - x0 + 1, y1 - y0 + 1), (4, 20));
        // A symmetric shape's centre of mass is its middle: columns 12..16
        // and rows 4..24 have their centre at 14.
        assert_eq!((x0, y0), (12, 4));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn where_the_digit_is_drawn_does_not_matter() {
        let small_in_corner =
            to_mnist(&canvas_with_rect(300, 200, (5, 5, 45, 65)), 300, 200).unwrap();
        let large_in_middle =
            to_mnist(&canvas_with_rect(300, 200, (100, 20, 160, 110)), 300, 200).unwrap();
        // Same shape (2:3), another place and size: the same input, up to the
        // filter's rounding.
        let difference = small_in_corner
            .iter()
            .zip(&large_in_middle)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(difference < 1e-5, "max difference {difference}");
        assert!(
            small_in_corner.iter().sum::<f32>() > 100.0,
            "the rectangle is there"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn thin_strokes_survive_the_shrinking_as_grey() {
        // A 2-pixel line in a 280-pixel drawing is a tenth of a pixel after
        // scaling by 20 / 280: averaged, not dropped.
        let mut ink = canvas_with_rect(280, 280, (20, 10, 22, 270));
        for x in 20..260 {
            ink[270 * 280 + x] = 1.0; // a base, so the drawing is 240 x 261
        }
        let field = to_mnist(&ink, 280, 280).unwrap();
        let max = field.iter().copied().fold(0.0, f32::max);
        assert!(max > 0.05 && max < 1.0, "anti-aliased grey, got max {max}");
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn blank_and_mis_sized_canvases_are_errors() {
        assert_eq!(to_mnist(&[0.0; 100], 10, 10), Err(DrawError::NoInk));
        assert!(matches!(
            to_mnist(&[0.0; 99], 10, 10),
            Err(DrawError::BufferSize {
                expected: 100,
                found: 99,
                ..
            })
        ));
        assert!(matches!(
            ink_from_rgba(&[0; 7], 1, 2),
            Err(DrawError::BufferSize { expected: 8, .. })
        ));
        assert_eq!(
            ink_from_rgba(&[9, 9, 9, 255, 0, 0, 0, 0], 2, 1).unwrap(),
            vec![1.0, 0.0]
        );
    }
}
