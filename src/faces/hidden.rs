//! Part 9: which hidden units speak for a person, and what they look at.
//!
//! In the one-hidden-layer network the logit of person `p` is
//! `z_p = W2[0, p] + sum_h W2[1 + h, p] a_h`, so unit `h` pushes the network
//! towards `p` and away from the others in proportion to
//!
//! ```text
//! score(h, p) = W2[1 + h, p] - mean over q != p of W2[1 + h, q]
//! ```
//!
//! (for an active unit, `a_h > 0`; with tanh a unit can also speak for `p`
//! by being negative, which the project's figures ignore as we do). The
//! units with the largest scores are the ones that "matter most for
//! classifying a face as that person"; their input weights `W1[1.., h]`,
//! drawn as a `size x size` image on a diverging colour map, are the pattern
//! of light and dark that turns them on.

use serde::{Deserialize, Serialize};

use super::FacesError;
use crate::network::{Mlp, Network};
use crate::visual::{diverging_rgba, max_abs};

/// Units listed per person in `training.json`.
pub const UNITS_SHOWN: usize = 4;

/// A hidden unit and how much it favours one person.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct UnitScore {
    pub unit: usize,
    /// `W2[1 + h, p]` minus its mean over the other people.
    pub score: f32,
    /// `W2[1 + h, p]` itself.
    pub weight: f32,
}

fn one_hidden_layer(network: &Mlp<f32>) -> Result<(), FacesError> {
    match network.weights().len() {
        2 => Ok(()),
        layers => Err(FacesError::NotOneHiddenLayer {
            hidden_layers: layers - 1,
        }),
    }
}

/// Every hidden unit's score for `person` (see the module documentation),
/// best first, the first `count` of them.
pub fn favoured_units(
    network: &Mlp<f32>,
    person: usize,
    count: usize,
) -> Result<Vec<UnitScore>, FacesError> {
    one_hidden_layer(network)?;
    let w2 = &network.weights()[1];
    let n_people = w2.ncols();
    if person >= n_people {
        return Err(FacesError::NoSuchPerson { person, n_people });
    }
    let mut scores: Vec<UnitScore> = (0..w2.nrows() - 1)
        .map(|unit| {
            let row = w2.row(1 + unit);
            let weight = row[person];
            let others = (row.sum() - weight) / (n_people.max(2) - 1) as f32;
            let score = if n_people > 1 {
                weight - others
            } else {
                weight
            };
            UnitScore {
                unit,
                score,
                weight,
            }
        })
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.unit.cmp(&b.unit)));
    scores.truncate(count);
    Ok(scores)
}

/// The input weights of hidden unit `unit`, `W1[1.., unit]`: one per pixel,
/// row-major, the bias left out.
pub fn input_weights(network: &Mlp<f32>, unit: usize) -> Result<Vec<f32>, FacesError> {
    one_hidden_layer(network)?;
    let w1 = &network.weights()[0];
    if unit >= w1.ncols() {
        return Err(FacesError::NoSuchUnit {
            unit,
            n_units: w1.ncols(),
        });
    }
    Ok(w1.column(unit).iter().skip(1).copied().collect())
}

/// The input weights of `units` as RGBA images (blue negative, white zero,
/// red positive) on one shared scale, so that they can be compared by eye.
pub fn input_weight_images_rgba(
    network: &Mlp<f32>,
    units: &[usize],
) -> Result<Vec<Vec<u8>>, FacesError> {
    let weights = units
        .iter()
        .map(|&unit| input_weights(network, unit))
        .collect::<Result<Vec<_>, _>>()?;
    let scale = max_abs(weights.iter().flatten().copied());
    Ok(weights.iter().map(|w| diverging_rgba(w, scale)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::Activation;
    use ndarray::{array, Array2};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn network() -> Mlp<f32> {
        // 2 pixels, 3 hidden units, 3 people.
        let w1 =
            Array2::from_shape_vec((3, 3), vec![0.0, 0.0, 0.0, 1.0, -2.0, 0.5, 3.0, 0.0, -0.5])
                .unwrap();
        let w2 = array![
            [9.0, 9.0, 9.0], // biases: ignored
            [1.0, 0.0, 0.0], // unit 0: for person 0, score 1 - 0 = 1
            [2.0, 4.0, 0.0], // unit 1: for person 1, score 4 - 1 = 3; person 0: 2 - 2 = 0
            [0.0, -1.0, 1.0]
        ];
        Mlp::from_weights(vec![w1, w2], Activation::Tanh).unwrap()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn units_are_ranked_by_weight_minus_the_mean_of_the_others() {
        let net = network();
        let for_0 = favoured_units(&net, 0, 3).unwrap();
        // unit 0: 1 - 0 = 1; unit 1: 2 - (4 + 0) / 2 = 0; unit 2: 0 - 0 = 0.
        assert_eq!(
            for_0.iter().map(|u| (u.unit, u.score)).collect::<Vec<_>>(),
            vec![(0, 1.0), (1, 0.0), (2, 0.0)]
        );
        let for_1 = favoured_units(&net, 1, 1).unwrap();
        assert_eq!(
            (for_1[0].unit, for_1[0].score, for_1[0].weight),
            (1, 3.0, 4.0)
        );
        assert!(matches!(
            favoured_units(&net, 3, 1),
            Err(FacesError::NoSuchPerson { person: 3, .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn input_weights_leave_out_the_bias_and_share_one_scale() {
        let net = network();
        assert_eq!(input_weights(&net, 1).unwrap(), vec![-2.0, 0.0]);
        let images = input_weight_images_rgba(&net, &[0, 1]).unwrap();
        assert_eq!(images.len(), 2);
        // The largest magnitude (3.0, unit 0's second pixel) is full red;
        // -2.0 is two thirds of the way to blue.
        assert_eq!(&images[0][4..8], &[178, 24, 43, 255]);
        assert_eq!(&images[1][0..4], &[107, 153, 200, 255]);
        let deep = Mlp::<f32>::new(
            &[2, 3, 3, 2],
            Activation::Tanh,
            &mut <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(0),
        );
        assert!(matches!(
            favoured_units(&deep, 0, 1),
            Err(FacesError::NotOneHiddenLayer { hidden_layers: 2 })
        ));
    }
}
