//! How large a network may be built: its weight count, computed with checked
//! arithmetic, against a limit. A hidden layer of 10^10 units would otherwise
//! ask the allocator for terabytes and abort the process without a word of
//! why; this says which sizes were asked for and what the limit is.

use super::{ModelKind, ModelSpec};

/// The most weights (biases included) a network built here may have: 100
/// million, 400 MB as f32. Training holds about four such arrays (weights,
/// gradient, velocity, and the scratch of a pass), so this stays within the
/// memory of an ordinary machine and of the page's WebAssembly (4 GB at most).
/// The largest network of the project (784-300-10) has 238,510.
pub const MAX_WEIGHTS: usize = 100_000_000;

/// A network too large to build.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    #[error(
        "a network with layers of {} units would have {} weights; at most {MAX_WEIGHTS} are \
         allowed (choose fewer hidden units)",
        show_sizes(.sizes),
        .weights.map_or("more than 2^64".to_string(), |w| w.to_string())
    )]
    TooManyWeights {
        /// Inputs, hidden layers, outputs.
        sizes: Vec<usize>,
        /// `None` when the count itself overflows.
        weights: Option<usize>,
    },
    #[error(
        "a network with layers of {} units has a layer of none; every layer needs at least one unit",
        show_sizes(.sizes)
    )]
    EmptyLayer { sizes: Vec<usize> },
}

fn show_sizes(sizes: &[usize]) -> String {
    sizes
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The weights (with one bias per unit) of a fully connected network with
/// layers of `sizes` units, inputs first: `sum (sizes[l] + 1) * sizes[l + 1]`,
/// or `None` if that overflows `usize`.
pub fn weight_count(sizes: &[usize]) -> Option<usize> {
    sizes.windows(2).try_fold(0usize, |total, pair| {
        pair[0]
            .checked_add(1)
            .and_then(|rows| rows.checked_mul(pair[1]))
            .and_then(|layer| total.checked_add(layer))
    })
}

/// Checks that a network with layers of `sizes` units has no empty layer and
/// fits under [`MAX_WEIGHTS`]; returns its weight count.
pub fn check_sizes(sizes: &[usize]) -> Result<usize, SizeError> {
    if sizes.contains(&0) {
        return Err(SizeError::EmptyLayer {
            sizes: sizes.to_vec(),
        });
    }
    match weight_count(sizes) {
        Some(weights) if weights <= MAX_WEIGHTS => Ok(weights),
        weights => Err(SizeError::TooManyWeights {
            sizes: sizes.to_vec(),
            weights,
        }),
    }
}

impl ModelSpec {
    /// The layer sizes of this network for `n_inputs` pixels and `n_classes`
    /// classes, inputs first.
    pub fn sizes(&self, n_inputs: usize, n_classes: usize) -> Vec<usize> {
        match self.kind {
            ModelKind::Softmax => vec![n_inputs, n_classes],
            ModelKind::Mlp => vec![n_inputs, self.hidden_units, n_classes],
        }
    }

    /// Whether [`ModelSpec::build`] may build this network: its weight count
    /// is at most [`MAX_WEIGHTS`]. Call it first with sizes from a person.
    pub fn check(&self, n_inputs: usize, n_classes: usize) -> Result<usize, SizeError> {
        check_sizes(&self.sizes(n_inputs, n_classes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Activation;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn counts_weights_and_biases_and_refuses_huge_layers() {
        assert_eq!(weight_count(&[784, 300, 10]), Some(785 * 300 + 301 * 10));
        assert_eq!(weight_count(&[784, 10]), Some(7850));
        assert_eq!(weight_count(&[usize::MAX, 2]), None, "the + 1 overflows");
        assert_eq!(weight_count(&[784, usize::MAX / 100]), None);
        let spec = ModelSpec {
            kind: ModelKind::Mlp,
            hidden_units: usize::try_from(10_000_000_000_u64).unwrap_or(usize::MAX),
            activation: Activation::Tanh,
        };
        let error = spec.check(784, 10).unwrap_err();
        assert!(
            matches!(error, SizeError::TooManyWeights { ref sizes, .. } if sizes[1] == spec.hidden_units),
            "{error}"
        );
        assert!(error.to_string().contains("at most 100000000"), "{error}");
        let fits = ModelSpec {
            hidden_units: 300,
            ..spec
        };
        assert_eq!(fits.check(784, 10), Ok(238_510));
        let empty = ModelSpec {
            hidden_units: 0,
            ..spec
        };
        assert!(matches!(
            empty.check(784, 10),
            Err(SizeError::EmptyLayer { .. })
        ));
    }
}
