//! ImageNet's 1000 class names, for showing what a network sees in a
//! photograph.
//!
//! `imagenet_classes.txt` is torchvision's list (`_IMAGENET_CATEGORIES` in
//! `torchvision/models/_meta.py`, torchvision 0.29.2 from PyPI, BSD-3-Clause),
//! one name per line in class-index order: the order both SqueezeNet's and
//! AlexNet's 1000 outputs use.

const NAMES: &str = include_str!("imagenet_classes.txt");

/// Class `index`'s name, if there is one.
pub fn class_name(index: usize) -> Option<&'static str> {
    NAMES.lines().nth(index)
}

/// The `k` highest of `scores` with their softmax probabilities, best first.
pub fn top_k(scores: &[f32], k: usize) -> Vec<(usize, f32)> {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let total: f32 = scores.iter().map(|s| (s - max).exp()).sum();
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
        .into_iter()
        .take(k)
        .map(|i| (i, (scores[i] - max).exp() / total))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_1000_names_in_index_order() {
        assert_eq!(NAMES.lines().count(), 1000);
        // Indices every ImageNet list agrees on.
        assert_eq!(class_name(0), Some("tench"));
        assert_eq!(class_name(921), Some("book jacket"));
        assert_eq!(class_name(999), Some("toilet tissue"));
        assert_eq!(class_name(1000), None);
    }

    #[test]
    fn top_k_is_sorted_and_probabilities_sum_to_one() {
        let scores = [0.0, 3.0, 1.0, 2.0];
        let top = top_k(&scores, 4);
        assert_eq!(top.iter().map(|t| t.0).collect::<Vec<_>>(), [1, 3, 2, 0]);
        let sum: f32 = top.iter().map(|t| t.1).sum();
        assert!((sum - 1.0).abs() < 1e-6);
    }
}
