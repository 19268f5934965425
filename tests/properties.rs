//! Property tests (proptest): what must hold for any input, not just the
//! examples in the unit tests. Case counts are kept small so that the file
//! runs in seconds; a failure is shrunk to a small case and recorded in
//! tests/properties.proptest-regressions, which is then committed.

// Native only: proptest is a native dev-dependency (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]

use gradlab::draw::{self, SIDE};
use gradlab::gradcheck::{finite_difference_gradient, Difference};
use gradlab::network::softmax::softmax_columns;
use gradlab::network::{Activation, Mlp, Network, SoftmaxNet};
use gradlab::optim::{Optimizer, OptimizerKind};
use ndarray::Array2;
use proptest::prelude::*;

/// Any finite f64, of any magnitude, including the extremes.
fn finite_f64() -> impl Strategy<Value = f64> + Clone {
    prop_oneof![
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        -30.0..30.0_f64,
        Just(f64::MAX),
        Just(f64::MIN),
        Just(0.0),
    ]
}

fn finite_f32() -> impl Strategy<Value = f32> + Clone {
    prop_oneof![
        any::<f32>().prop_filter("finite", |v| v.is_finite()),
        -30.0..30.0_f32,
        Just(f32::MAX),
        Just(f32::MIN),
    ]
}

/// A `rows x cols` matrix of values from `values`, for 1..=`max_rows` rows and
/// 1..=`max_cols` columns.
fn matrix<S: Strategy + Clone>(
    values: S,
    max_rows: usize,
    max_cols: usize,
) -> impl Strategy<Value = Array2<S::Value>>
where
    S::Value: Clone + std::fmt::Debug,
{
    (1..=max_rows, 1..=max_cols).prop_flat_map(move |(rows, cols)| {
        proptest::collection::vec(values.clone(), rows * cols)
            .prop_map(move |v| Array2::from_shape_vec((rows, cols), v).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Each column of `softmax(Z)` is a distribution: finite entries in
    /// [0, 1] that sum to 1 (to rounding: one ulp per class), for any finite
    /// logits, 1e308 and -1e308 in the same column included.
    #[test]
    fn softmax_columns_sum_to_one_and_stay_finite(z in matrix(finite_f64(), 12, 6)) {
        let p = softmax_columns(z.view());
        prop_assert_eq!(p.dim(), z.dim());
        for column in p.columns() {
            prop_assert!(column.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)), "{column}");
            let sum: f64 = column.sum();
            prop_assert!((sum - 1.0).abs() <= 1e-15 * column.len() as f64, "sum {sum}: {column}");
        }
    }

    #[test]
    fn softmax_columns_sum_to_one_in_f32_too(z in matrix(finite_f32(), 12, 6)) {
        let p = softmax_columns(z.view());
        for column in p.columns() {
            prop_assert!(column.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)), "{column}");
            let sum: f32 = column.sum();
            prop_assert!((sum - 1.0).abs() <= 1e-6 * column.len() as f32, "sum {sum}: {column}");
        }
    }
}

/// A network's inputs `X` (with its ones row) and one-hot targets `Y` for
/// `m` examples of `n` pixels and `k` classes, and a flat list of weights.
#[derive(Clone, Debug)]
struct Case {
    sizes: Vec<usize>,
    x: Array2<f64>,
    y: Array2<f64>,
    weights: Vec<Array2<f64>>,
}

/// Random layer sizes (inputs, optional hidden layer, classes), examples
/// and values: pixels in [0, 1], weights in [-2, 2], labels any class.
fn case(hidden: bool) -> impl Strategy<Value = Case> {
    let sizes = if hidden {
        (1..6usize, 1..6usize, 2..6usize)
            .prop_map(|(n, h, k)| vec![n, h, k])
            .boxed()
    } else {
        (1..8usize, 2..6usize).prop_map(|(n, k)| vec![n, k]).boxed()
    };
    (sizes, 1..5usize).prop_flat_map(|(sizes, m)| {
        let n = sizes[0];
        let k = *sizes.last().unwrap();
        let weights: Vec<_> = sizes
            .windows(2)
            .map(|pair| {
                let (rows, cols) = (pair[0] + 1, pair[1]);
                proptest::collection::vec(-2.0..2.0_f64, rows * cols)
                    .prop_map(move |v| Array2::from_shape_vec((rows, cols), v).unwrap())
            })
            .collect();
        (
            Just(sizes),
            proptest::collection::vec(0.0..1.0_f64, n * m),
            proptest::collection::vec(0..k, m),
            weights,
        )
            .prop_map(move |(sizes, pixels, labels, weights)| {
                let x = Array2::from_shape_fn((n + 1, m), |(i, j)| {
                    if i == 0 {
                        1.0
                    } else {
                        pixels[(i - 1) * m + j]
                    }
                });
                let y = Array2::from_shape_fn((k, m), |(c, j)| f64::from(u8::from(labels[j] == c)));
                Case {
                    sizes,
                    x,
                    y,
                    weights,
                }
            })
    })
}

/// Backpropagation against central differences (h = 1e-6, f64), entry by
/// entry: `|G - G_h| <= 1e-6 (1 + |G|)`. Central differences are accurate to
/// about h^2 times the third derivative plus round-off eps C / h, both far
/// below that bound for these sizes.
fn assert_gradient_matches<N: Network<f64> + Clone>(
    net: &N,
    case: &Case,
) -> Result<(), TestCaseError> {
    let (_, gradient) = net.cost_and_gradient(case.x.view(), case.y.view());
    let estimate =
        finite_difference_gradient(net, case.x.view(), case.y.view(), 1e-6, Difference::Central);
    for (layer, (g, e)) in gradient.iter().zip(&estimate).enumerate() {
        prop_assert_eq!(g.dim(), net.weights()[layer].dim());
        for ((index, &g), &e) in g.indexed_iter().zip(e.iter()) {
            prop_assert!(
                (g - e).abs() <= 1e-6 * (1.0 + g.abs()),
                "layer {layer} {index:?}: backpropagation {g}, central difference {e} (sizes {:?})",
                case.sizes
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_softmax_networks_gradient_matches_finite_differences(case in case(false)) {
        let net = SoftmaxNet::from_weights(case.weights[0].clone());
        assert_gradient_matches(&net, &case)?;
    }

    #[test]
    fn the_hidden_layer_networks_gradient_matches_finite_differences(case in case(true)) {
        let net = Mlp::from_weights(case.weights.clone(), Activation::Tanh).unwrap();
        assert_gradient_matches(&net, &case)?;
    }

    /// Momentum with beta = 0 is plain gradient descent, step for step and
    /// bit for bit: `v = 0 v + a g` is `a g` exactly, and `w - a g` is
    /// `w + (-a) g` exactly (negation is exact), so no tolerance is needed.
    /// (`==` treats 0 and -0 as equal: the one way the two can differ is
    /// the sign of a zero weight.)
    #[test]
    fn momentum_with_beta_zero_is_gradient_descent(
        start in matrix(-10.0..10.0_f64, 5, 5),
        learning_rate in 1e-4..2.0_f64,
        gradients in proptest::collection::vec(proptest::collection::vec(-100.0..100.0_f64, 25), 1..6),
    ) {
        let mut plain = [start.clone()];
        let mut momentum = [start.clone()];
        let mut gd = Optimizer::new(OptimizerKind::Gd, learning_rate);
        let mut beta_zero = Optimizer::new(OptimizerKind::Momentum { beta: 0.0 }, learning_rate);
        for values in gradients {
            let g = Array2::from_shape_fn(start.raw_dim(), |(i, j)| values[i * 5 + j]);
            gd.step(&mut plain, std::slice::from_ref(&g));
            beta_zero.step(&mut momentum, std::slice::from_ref(&g));
            prop_assert_eq!(&plain[0], &momentum[0]);
        }
    }
}

/// An RGBA canvas `width x height` with `strokes` (pixel positions and alpha)
/// drawn at offset `(dx, dy)`.
fn canvas(
    width: usize,
    height: usize,
    strokes: &[(usize, usize, u8)],
    (dx, dy): (usize, usize),
) -> Vec<u8> {
    let mut rgba = vec![0u8; width * height * 4];
    for &(x, y, alpha) in strokes {
        let at = ((y + dy) * width + x + dx) * 4;
        rgba[at..at + 4].copy_from_slice(&[20, 20, 20, alpha]);
    }
    rgba
}

/// A pattern of up to 40 strokes inside a `w x h` box, at least one inked.
fn pattern() -> impl Strategy<Value = (usize, usize, Vec<(usize, usize, u8)>)> {
    (1..60usize, 1..60usize).prop_flat_map(|(w, h)| {
        (
            Just(w),
            Just(h),
            proptest::collection::vec((0..w, 0..h, 1..=255u8), 1..40),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Where on the canvas a drawing is made does not matter, exactly: the
    /// preprocessing crops to the ink's bounding box first, so a translated
    /// pattern (or the same pattern on a larger canvas) gives the same
    /// cropped image and so the same 28x28 input, bit for bit.
    #[test]
    fn preprocessing_is_invariant_to_where_the_drawing_is(
        (w, h, strokes) in pattern(),
        extra in (0..80usize, 0..80usize),
        first in (0..1000usize, 0..1000usize),
        second in (0..1000usize, 0..1000usize),
    ) {
        let (width, height) = (w + extra.0, h + extra.1);
        let at = |(x, y): (usize, usize)| (x % (extra.0 + 1), y % (extra.1 + 1));
        let input = |offset| {
            let rgba = canvas(width, height, &strokes, offset);
            let ink = draw::ink_from_rgba(&rgba, width, height).unwrap();
            draw::to_mnist(&ink, width, height).unwrap()
        };
        let a = input(at(first));
        let b = input(at(second));
        prop_assert_eq!(a.len(), SIDE * SIDE);
        prop_assert!(a == b, "translation changed the input");
        // The same pattern alone on a canvas of its own size.
        let own = {
            let rgba = canvas(w, h, &strokes, (0, 0));
            draw::to_mnist(&draw::ink_from_rgba(&rgba, w, h).unwrap(), w, h).unwrap()
        };
        prop_assert!(a == own, "the canvas size changed the input");
    }
}

/// Images that are mostly zeros, in runs of any length (longer than a
/// byte's 255 too), with ink of any value between: MNIST's kind, and others.
fn sparse_images() -> impl Strategy<Value = (usize, Vec<Vec<u8>>)> {
    (1..700usize).prop_flat_map(|n_pixels| {
        let pixel = prop_oneof![3 => Just(0u8), 1 => any::<u8>()];
        let image = proptest::collection::vec(pixel, n_pixels);
        (Just(n_pixels), proptest::collection::vec(image, 1..6))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The packed store gives back every image as it was given, whatever
    /// its runs, and never takes more than its blocks of four pixels and a
    /// bit for each.
    #[test]
    fn packed_images_unpack_to_what_was_packed((n_pixels, images) in sparse_images()) {
        let mut packed = gradlab::mnist::PackedImages::new(n_pixels);
        for image in &images {
            packed.push(image);
        }
        for (index, image) in images.iter().enumerate() {
            prop_assert_eq!(&packed.unpack(index), image);
            let blocks = n_pixels.div_ceil(4);
            prop_assert!(packed.packed(index).len() <= 4 * blocks + blocks.div_ceil(8));
        }
    }
}
