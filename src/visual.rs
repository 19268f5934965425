//! Pictures of numbers: digits and weights as RGBA pixels that a canvas (or a
//! PNG) shows as they are. Computed here, not in the page, so that what a
//! weight image means is decided and tested in one place.

/// Grey levels 0..1 (1 is ink) as RGBA: ink dark on white, as on paper.
pub fn ink_rgba(values: &[f32]) -> Vec<u8> {
    values
        .iter()
        .flat_map(|&v| {
            let level = (255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8;
            [level, level, level, 255]
        })
        .collect()
}

/// Images stored as bytes (0 paper, 255 ink; one image per row of `pixels`,
/// as [`crate::mnist::Dataset::pixels`] gives them) as RGBA, ink dark on
/// white, one image after another.
pub fn pixel_rows_rgba(pixels: ndarray::ArrayView2<u8>) -> Vec<u8> {
    pixels
        .iter()
        .flat_map(|&ink| {
            let level = 255 - ink;
            [level, level, level, 255]
        })
        .collect()
}

/// Values of either sign as RGBA on the diverging map of [`diverging_rgba`],
/// scaled to their own largest magnitude: for one image on its own.
pub fn signed_rgba(values: &[f32]) -> Vec<u8> {
    diverging_rgba(values, max_abs(values.iter().copied()))
}

/// Values of either sign as RGBA on a diverging colour map centred on zero:
/// negative blue, zero white, positive red, with `scale` (for example the
/// largest magnitude) mapped to full colour. Weights of several units drawn
/// with one shared `scale` can be compared by eye.
pub fn diverging_rgba(values: &[f32], scale: f32) -> Vec<u8> {
    // Ends of the map: ColorBrewer RdBu's darkest blue and red.
    const BLUE: [f32; 3] = [33.0, 102.0, 172.0];
    const RED: [f32; 3] = [178.0, 24.0, 43.0];
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    values
        .iter()
        .flat_map(|&v| {
            let t = (v / scale).clamp(-1.0, 1.0);
            let end = if t < 0.0 { BLUE } else { RED };
            let a = t.abs();
            let mix = |c: f32| (255.0 + (c - 255.0) * a).round() as u8;
            [mix(end[0]), mix(end[1]), mix(end[2]), 255]
        })
        .collect()
}

/// The largest magnitude among `values`: a symmetric scale for
/// [`diverging_rgba`].
pub fn max_abs(values: impl IntoIterator<Item = f32>) -> f32 {
    values
        .into_iter()
        .fold(0.0, |m, v| if v.is_finite() { m.max(v.abs()) } else { m })
}

/// The input weights of units `first .. first + count` of a layer `W`
/// ((1 + pixels) x units, bias in row 0) as images, one after another, each
/// `pixels` RGBA values: the bias row is left out, the colour scale is shared.
pub fn weight_images_rgba(w: ndarray::ArrayView2<f32>, first: usize, count: usize) -> Vec<u8> {
    // Saturating: `first` and `count` come from the page.
    let last = first.saturating_add(count).min(w.ncols());
    let first = first.min(last);
    let pixels = w.slice(ndarray::s![1.., first..last]);
    let scale = max_abs(pixels.iter().copied());
    pixels
        .columns()
        .into_iter()
        .flat_map(|unit| diverging_rgba(&unit.to_vec(), scale))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn zero_is_white_and_the_ends_are_blue_and_red() {
        let rgba = diverging_rgba(&[0.0, -2.0, 2.0, 5.0], 2.0);
        assert_eq!(&rgba[0..4], &[255, 255, 255, 255]);
        assert_eq!(&rgba[4..8], &[33, 102, 172, 255]);
        assert_eq!(&rgba[8..12], &[178, 24, 43, 255]);
        assert_eq!(
            &rgba[12..16],
            &[178, 24, 43, 255],
            "beyond the scale saturates"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn stored_images_come_out_ink_dark_in_their_order() {
        // Two images of two pixels: (51, 204) and (0, 255).
        let pixels = ndarray::array![[51u8, 204], [0, 255]];
        let rgba = pixel_rows_rgba(pixels.view());
        assert_eq!(
            rgba,
            vec![204, 204, 204, 255, 51, 51, 51, 255, 255, 255, 255, 255, 0, 0, 0, 255]
        );
        // Its own scale: the largest magnitude, 2, is full blue.
        assert_eq!(&signed_rgba(&[-2.0, 1.0])[0..4], &[33, 102, 172, 255]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn ink_is_dark_on_white() {
        assert_eq!(
            ink_rgba(&[0.0, 1.0]),
            vec![255, 255, 255, 255, 0, 0, 0, 255]
        );
        assert_eq!(max_abs([1.0, -3.0, f32::NAN]), 3.0);
    }
}
