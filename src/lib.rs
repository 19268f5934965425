//! gradlab: the CSC411 "digits and faces" project as a library.
//!
//! Every part of the project has one home here, and the same functions run in
//! the native `gradlab` binary, in the browser (compiled to WebAssembly) and in
//! the tests:
//!
//! | part | module |
//! | --- | --- |
//! | 1. the MNIST data | [`mnist`] |
//! | 2. the no-hidden-layer network | [`network::softmax`] |
//! | 3. cost, gradient and the finite-difference check | [`network`], [`gradcheck`] |
//! | 4, 5. gradient descent and momentum | [`optim`], [`train`] |
//! | 6. the cost over two weights | [`surface`] |
//! | 7. the cost of backpropagation | [`backprop_cost`] |
//! | 8, 9. faces, and what the hidden units learned | [`faces`] |
//! | 10. a pretrained CNN's features | [`cnn`] (natively and in the page), [`transfer`] |
//! | draw a digit | [`draw`] |
//!
//! Notation follows the project: `X` is n x m with one column per image, `W` is
//! n x k, `Y` is k x m one-hot, `P = softmax(W^T X)` column by column, the cost
//! is `C = -sum(Y * log P)` and its gradient is `dC/dW = X (P - Y)^T`.

pub mod backprop_cost;
#[cfg(feature = "cnn")]
pub mod cnn;
/// Without `cnn`, the feature `pickle` gives just the weight-pickle decoder,
/// at the same path (`gradlab::cnn::pickle`), for the fuzz targets.
#[cfg(all(feature = "pickle", not(feature = "cnn")))]
pub mod cnn {
    #[path = "pickle.rs"]
    pub mod pickle;
}
pub mod draw;
pub mod export;
pub mod faces;
pub mod formats;
pub mod gradcheck;
pub mod kernels;
pub mod mnist;
pub mod network;
pub mod optim;
pub mod runs;
pub mod surface;
pub mod train;
pub mod transfer;
pub mod visual;

#[cfg(target_arch = "wasm32")]
pub mod web;

/// The floating-point types the networks run in: `f32` for training (speed),
/// `f64` for the gradient checks (so that round-off does not hide a wrong
/// formula).
///
/// Sealed: the matrix-product kernels ([`kernels`]) reinterpret slices of a
/// `Real` as `f32` or `f64` in `unsafe` code, which is sound only because
/// no other type can implement it.
pub trait Real:
    sealed::Sealed
    + num_traits::Float
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + num_traits::FromPrimitive
    + std::fmt::Debug
    + std::fmt::Display
    + std::iter::Sum
    + Default
    + Send
    + Sync
    + 'static
{
    /// `tanh`, as fast as accuracy allows: see [`kernels::tanh`] for f32;
    /// f64 (the gradient checks) uses the exact function.
    fn fast_tanh(self) -> Self;

    /// `exp`, without a library call for f32: see [`kernels::exp`]; f64
    /// (the gradient checks) uses the exact function.
    fn fast_exp(self) -> Self;

    /// A byte's value (`as` conversion, which the compiler vectorises; the
    /// generic `from_u8` returns an `Option` and does not).
    fn from_byte(byte: u8) -> Self;
}

mod sealed {
    /// Implemented for `f32` and `f64` only; see [`super::Real`].
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

impl Real for f32 {
    #[inline]
    fn fast_tanh(self) -> Self {
        kernels::tanh(self)
    }

    #[inline]
    fn fast_exp(self) -> Self {
        kernels::exp(self)
    }

    #[inline]
    fn from_byte(byte: u8) -> Self {
        f32::from(byte)
    }
}

impl Real for f64 {
    #[inline]
    fn fast_tanh(self) -> Self {
        self.tanh()
    }

    #[inline]
    fn fast_exp(self) -> Self {
        self.exp()
    }

    #[inline]
    fn from_byte(byte: u8) -> Self {
        f64::from(byte)
    }
}

// Under `wasm-pack test`, the unit tests run in the browser (Chromium), where
// the page runs the same code.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
