//! Faces the learner brings: photographs and webcam shots of 2 to 10
//! people, made into the same [`FaceSet`] that `gradlab faces prepare
//! --source folder` makes from a folder of the same images.
//!
//! The page decodes photographs with the browser (`createImageBitmap`) and
//! hands this module their pixels, RGBA or grey, with the width, height,
//! file and person; a webcam shot is the pixels of the square under the
//! guide box. Everything after the decoding is here, and it is the native
//! preparation's code, not a copy of it:
//!
//! ```text
//! pixels (RGBA or grey) --grey, as image's to_luma8--> GrayImage
//!   --square_crop(size)--> size x size face          (face_from_pixels)
//! faces of each person --FaceSet::prepare--> seeded split per person (prepare_own)
//! ```
//!
//! Grey levels follow the `image` crate's conversion (`0.2126 R + 0.7152 G +
//! 0.0722 B`, alpha ignored), which is what the native decoder applies to a
//! colour file. Each face is cropped once, when it is added, to
//! [`OWN_CROP_SIZE`] (64 x 64): part 10's features are computed from those
//! crops, and parts 8 and 9 shrink them to their 32 x 32. Only the crops are
//! kept, so a hundred 12-megapixel photos take 400 KB and not a gigabyte, and
//! the crops are what the downloaded set holds, as PNGs: [`prepare_own`] on
//! them equals `gradlab faces prepare --source folder` on that folder at any
//! size, and at 64 also equals it on the original photographs
//! ([`square_crop`] of a `64 x 64` image to 64 copies it).
//!
//! What a learner can get wrong is refused with a message that says what to
//! do, before anything large is allocated: a file that is not an image
//! ([`read_header`] knows the formats by their first bytes), a photograph
//! over [`MAX_PHOTO_PIXELS`] (read from its header, before the browser
//! decodes it), fewer than [`MIN_PEOPLE`] or more than [`MAX_OWN_PEOPLE`]
//! people, a person with fewer than [`MIN_FACES_PER_PERSON`] faces, and a
//! name that cannot be a folder's.

use image::{DynamicImage, GrayImage, RgbaImage};

use super::folder::decode_image;
use super::{
    natural_key, square_crop, FaceSet, FacesError, PrepareConfig, SourceImage, SplitConfig,
};

/// The largest photograph taken, in pixels: 50 megapixels, so that a
/// 48-megapixel phone photograph (8000 x 6000) fits, while its RGBA pixels
/// (200 MB) still fit comfortably in the page's WebAssembly memory. A
/// 20000 x 20000 image (400 megapixels, 1.6 GB of RGBA) is refused.
pub const MAX_PHOTO_PIXELS: u64 = 50_000_000;
/// Telling people apart needs at least two.
pub const MIN_PEOPLE: usize = 2;
/// At most ten people: chapter 8's confusion matrix and gallery stay
/// readable, and ten people of ten shots is already a long webcam session.
pub const MAX_OWN_PEOPLE: usize = 10;
/// One face to train on, one to validate with and one to test on: with the
/// default split (20% / 20%, at least one image each from three images on,
/// [`SplitConfig::counts`]) three faces give 1 / 1 / 1. With two, the
/// validation set would be empty and chapter 8's validation curve undefined.
pub const MIN_FACES_PER_PERSON: usize = 3;
/// The side of the prepared faces: part 8's 32 x 32.
pub const OWN_FACE_SIZE: usize = 32;
/// The side each face is kept at: part 10 computes SqueezeNet's features
/// from these (scaled up to its 227 x 227, a 32 x 32 face is a blur), and
/// parts 8 and 9 shrink them to [`OWN_FACE_SIZE`].
pub const OWN_CROP_SIZE: usize = 64;
/// Longest person's name, in characters: it is a folder's name in the
/// downloaded set and a row label in chapter 8.
pub const MAX_NAME_CHARS: usize = 40;

/// What is wrong with the faces a learner brought. Each variant names the
/// file or the person and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum OwnFacesError {
    #[error(
        "{file} is {width}x{height} pixels ({} megapixels); photographs of up to {} megapixels \
         are taken: make it smaller first, or crop it to the face",
        megapixels(*width as u64 * *height as u64),
        megapixels(MAX_PHOTO_PIXELS)
    )]
    PhotoTooLarge {
        file: String,
        width: u32,
        height: u32,
    },
    #[error(
        "{file} is not an image: {reason}; use JPEG, PNG, WebP, GIF, BMP, AVIF or PGM photographs"
    )]
    NotAnImage { file: String, reason: String },
    #[error("{file} has no pixels ({width}x{height})")]
    EmptyPhoto {
        file: String,
        width: u32,
        height: u32,
    },
    #[error(
        "{file}: {width}x{height} {layout} pixels are {expected} bytes, but {found} were given"
    )]
    PixelCount {
        file: String,
        width: u32,
        height: u32,
        layout: &'static str,
        expected: u64,
        found: usize,
    },
    #[error(
        "{file}: a kept face is a square of grey levels, but its {found} bytes are no square \
         (of side 1 to {}): forget the kept faces and bring them again",
        super::MAX_SIZE
    )]
    NotSquare { file: String, found: usize },
    #[error("the name {name:?} cannot be used: {reason}")]
    BadName { name: String, reason: &'static str },
    #[error(
        "{} brought; telling people apart needs at least {MIN_PEOPLE}: add someone else's faces",
        people_count(*found)
    )]
    TooFewPeople { found: usize },
    #[error(
        "{found} people brought; at most {MAX_OWN_PEOPLE} are taken: remove {}",
        people_count(found - MAX_OWN_PEOPLE)
    )]
    TooManyPeople { found: usize },
    #[error(
        "{person} has {found} face{}; at least {needed} are needed, one to train on, one to \
         validate with and one to test on: add {} more",
        if *found == 1 { "" } else { "s" },
        needed - found
    )]
    TooFewFaces {
        person: String,
        found: usize,
        needed: usize,
    },
    #[error("two faces are both {file}: each face of a person needs its own file name")]
    DuplicateFace { file: String },
    #[error(transparent)]
    Faces(#[from] FacesError),
}

fn megapixels(pixels: u64) -> String {
    let mp = pixels as f64 / 1e6;
    if mp >= 10.0 {
        format!("{mp:.0}")
    } else {
        format!("{mp:.1}")
    }
}

fn people_count(n: usize) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

/// The image formats [`read_header`] recognises: those Chromium decodes
/// with `createImageBitmap`, and PGM (the ORL faces), which this crate
/// decodes itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub enum PhotoFormat {
    Png,
    Jpeg,
    Gif,
    Bmp,
    Webp,
    Avif,
    Pgm,
}

/// What the first bytes of an image file say.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(missing_as_null))]
pub struct PhotoHeader {
    pub format: PhotoFormat,
    /// The size, where the header gives it without decoding (an AVIF whose
    /// size box lies past the bytes read is checked after decoding instead).
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Refuses a photograph larger than [`MAX_PHOTO_PIXELS`] or without pixels.
pub fn check_photo_size(file: &str, width: u32, height: u32) -> Result<(), OwnFacesError> {
    if width == 0 || height == 0 {
        return Err(OwnFacesError::EmptyPhoto {
            file: file.into(),
            width,
            height,
        });
    }
    if u64::from(width) * u64::from(height) > MAX_PHOTO_PIXELS {
        return Err(OwnFacesError::PhotoTooLarge {
            file: file.into(),
            width,
            height,
        });
    }
    Ok(())
}

/// Recognises an image file by its first bytes and reads its size from the
/// header (the `imagesize` crate: it reads headers only), so that a file that
/// is not an image, or a photograph too large to take, is refused before
/// anyone decodes it.
pub fn read_header(file: &str, bytes: &[u8]) -> Result<PhotoHeader, OwnFacesError> {
    use imagesize::ImageType;
    let not_image = |reason: String| OwnFacesError::NotAnImage {
        file: file.into(),
        reason,
    };
    let format = match imagesize::image_type(bytes) {
        Ok(ImageType::Png) => PhotoFormat::Png,
        Ok(ImageType::Jpeg) => PhotoFormat::Jpeg,
        Ok(ImageType::Gif) => PhotoFormat::Gif,
        Ok(ImageType::Bmp) => PhotoFormat::Bmp,
        Ok(ImageType::Webp) => PhotoFormat::Webp,
        Ok(ImageType::Heif(_)) => PhotoFormat::Avif,
        // Only binary PGM: the reader this crate has (`super::pgm`).
        Ok(ImageType::Pnm) if bytes.starts_with(b"P5") => PhotoFormat::Pgm,
        Ok(other) => {
            return Err(not_image(format!(
                "it is a {other:?} file, which is not a photograph format this page reads"
            )))
        }
        Err(_) if bytes.is_empty() => return Err(not_image("the file is empty".into())),
        // Every image format's header is at least 12 bytes long.
        Err(imagesize::ImageError::IoError(_)) => {
            return Err(not_image(format!(
                "it is {} bytes long, too short to be an image",
                bytes.len()
            )))
        }
        Err(_) => {
            let shown: String = bytes
                .iter()
                .take(8)
                .map(|&b| if b.is_ascii_graphic() { b as char } else { '.' })
                .collect();
            return Err(not_image(format!(
                "its first bytes ({shown:?}) are not those of any image format"
            )));
        }
    };
    match imagesize::blob_size(bytes) {
        Ok(size) => {
            let side = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            let (width, height) = (side(size.width), side(size.height));
            check_photo_size(file, width, height)?;
            Ok(PhotoHeader {
                format,
                width: Some(width),
                height: Some(height),
            })
        }
        // AVIF's size is deep inside its boxes, past what may have been
        // read: it is checked after decoding instead.
        Err(_) if format == PhotoFormat::Avif => Ok(PhotoHeader {
            format,
            width: None,
            height: None,
        }),
        Err(_) => Err(not_image(format!(
            "it starts as a {format:?} file but ends inside its header, or the header is damaged"
        ))),
    }
}

/// How the pixels handed to [`face_from_pixels`] are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PixelLayout {
    /// Four bytes a pixel, as a canvas's `getImageData` gives them.
    Rgba,
    /// One grey level a pixel.
    Grey,
}

/// A decoded photograph's (or webcam shot's) face: its centred square,
/// grey, `size x size`, row-major. The size bound is checked before
/// anything is allocated; the pixels are taken by value, so that the
/// largest photograph is never copied whole.
pub fn face_from_pixels(
    file: &str,
    width: u32,
    height: u32,
    layout: PixelLayout,
    pixels: Vec<u8>,
    size: usize,
) -> Result<Vec<u8>, OwnFacesError> {
    check_photo_size(file, width, height)?;
    check_face_size(size)?;
    let (channels, name) = match layout {
        PixelLayout::Rgba => (4, "RGBA"),
        PixelLayout::Grey => (1, "grey"),
    };
    let expected = u64::from(width) * u64::from(height) * channels;
    if pixels.len() as u64 != expected {
        return Err(OwnFacesError::PixelCount {
            file: file.into(),
            width,
            height,
            layout: name,
            expected,
            found: pixels.len(),
        });
    }
    let empty = || OwnFacesError::EmptyPhoto {
        file: file.into(),
        width,
        height,
    };
    let grey: GrayImage = match layout {
        // The conversion a decoded colour file gets natively
        // (`DynamicImage::to_luma8`), on the pixels as handed over.
        PixelLayout::Rgba => {
            DynamicImage::ImageRgba8(RgbaImage::from_raw(width, height, pixels).ok_or_else(empty)?)
                .to_luma8()
        }
        PixelLayout::Grey => GrayImage::from_raw(width, height, pixels).ok_or_else(empty)?,
    };
    Ok(square_crop(&grey, size))
}

/// A file's face when this crate decodes the file itself (PGM, the ORL
/// faces' format, which browsers do not read), with the same checks as
/// [`face_from_pixels`].
pub fn face_from_file(file: &str, bytes: &[u8], size: usize) -> Result<Vec<u8>, OwnFacesError> {
    let header = read_header(file, bytes)?;
    if header.format != PhotoFormat::Pgm {
        return Err(OwnFacesError::NotAnImage {
            file: file.into(),
            reason: "only PGM files are decoded here; the browser decodes the others".into(),
        });
    }
    let grey = decode_image(file, bytes).map_err(|error| OwnFacesError::NotAnImage {
        file: file.into(),
        reason: error.to_string(),
    })?;
    let (width, height) = grey.dimensions();
    face_from_pixels(
        file,
        width,
        height,
        PixelLayout::Grey,
        grey.into_raw(),
        size,
    )
}

fn check_face_size(size: usize) -> Result<(), OwnFacesError> {
    if size == 0 || size > super::MAX_SIZE {
        return Err(FacesError::ImageSize(size).into());
    }
    Ok(())
}

/// Checks that `name` can be a person's name: it is the name of their
/// folder in the downloaded set (`gradlab faces prepare --source folder`
/// reads it back), so no slashes, no leading dot (such folders are hidden,
/// and the folder reader skips them) and nothing unprintable.
pub fn check_name(name: &str) -> Result<(), OwnFacesError> {
    let bad = |reason| {
        Err(OwnFacesError::BadName {
            name: name.into(),
            reason,
        })
    };
    if name.trim().is_empty() {
        return bad("give the person a name");
    }
    if name != name.trim() {
        return bad("it starts or ends with a space");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return bad("names are at most 40 characters");
    }
    if name.starts_with('.') {
        return bad("it starts with a dot, which would hide its folder");
    }
    if name.contains(['/', '\\']) {
        return bad("it holds a slash, which would split its folder in two");
    }
    if name.chars().any(char::is_control) {
        return bad("it holds a control character");
    }
    Ok(())
}

/// One face a learner brought: whose, from which file, and its crop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnFace {
    pub person: String,
    /// `person/name.png`: its path in the downloaded set, which is also its
    /// name in the prepared set (the split orders a person's faces by it).
    pub file: String,
    /// A square of grey levels, row-major ([`face_from_pixels`]): the
    /// page's crops are [`OWN_CROP_SIZE`] on a side, those it kept before
    /// part 10 ran in the page [`OWN_FACE_SIZE`]; any square is taken.
    pub pixels: Vec<u8>,
}

/// The path of a face in the downloaded set: `person/stem.png`, where the
/// stem is the original file's name without its extension (a webcam shot's
/// `shot-3`), made unique among `taken` with `-2`, `-3`, ...
pub fn face_path(person: &str, original: &str, taken: &[String]) -> String {
    let base = original.rsplit(['/', '\\']).next().unwrap_or(original);
    let stem = match base.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => base,
    };
    let stem: String = stem
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    // A leading dot would hide the file from the folder reader.
    let stem = match stem.trim_start_matches('.') {
        "" => "face".to_string(),
        visible => visible.to_string(),
    };
    let mut path = format!("{person}/{stem}.png");
    let mut n = 2;
    while taken.contains(&path) {
        path = format!("{person}/{stem}-{n}.png");
        n += 1;
    }
    path
}

/// The learner's faces as a [`FaceSet`] of `size x size` faces, split per
/// person with `seed` and the default fractions, exactly as `gradlab faces
/// prepare --source folder --size SIZE --seed SEED` prepares a folder of the
/// same crops: people in the folder reader's natural order of names (the
/// first is label 0), each person's faces in the natural order of their
/// files. Each crop is scaled to `size` as a folder's image is, so the split
/// is the same at every size: part 10's 64 x 64 faces are part 8's.
pub fn prepare_own(faces: &[OwnFace], size: usize, seed: u64) -> Result<FaceSet, OwnFacesError> {
    check_face_size(size)?;
    let mut people: Vec<String> = Vec::new();
    for face in faces {
        if !people.contains(&face.person) {
            check_name(&face.person)?;
            people.push(face.person.clone());
        }
    }
    if people.len() < MIN_PEOPLE {
        return Err(OwnFacesError::TooFewPeople {
            found: people.len(),
        });
    }
    if people.len() > MAX_OWN_PEOPLE {
        return Err(OwnFacesError::TooManyPeople {
            found: people.len(),
        });
    }
    people.sort_by_key(|name| natural_key(name));
    for person in &people {
        let found = faces.iter().filter(|f| f.person == *person).count();
        if found < MIN_FACES_PER_PERSON {
            return Err(OwnFacesError::TooFewFaces {
                person: person.clone(),
                found,
                needed: MIN_FACES_PER_PERSON,
            });
        }
    }
    // The paths are the files of the downloaded set: one each.
    let mut files: Vec<&str> = faces.iter().map(|f| f.file.as_str()).collect();
    files.sort_unstable();
    if let Some(pair) = files.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(OwnFacesError::DuplicateFace {
            file: pair[0].into(),
        });
    }
    let images = faces
        .iter()
        .map(|face| {
            let side = crop_side(face.pixels.len());
            side.and_then(|side| GrayImage::from_raw(side, side, face.pixels.clone()))
                .map(|image| SourceImage {
                    person: face.person.clone(),
                    file: face.file.clone(),
                    image,
                })
                .ok_or_else(|| OwnFacesError::NotSquare {
                    file: face.file.clone(),
                    found: face.pixels.len(),
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = PrepareConfig {
        size,
        split: SplitConfig::default(),
        seed,
    };
    Ok(FaceSet::prepare(&images, &people, &config)?)
}

/// The side of a square crop of `len` grey levels, if it is one.
fn crop_side(len: usize) -> Option<u32> {
    let side = (len as f64).sqrt().round() as usize;
    (side > 0 && side <= super::MAX_SIZE && side * side == len).then_some(side as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::pgm::pgm_bytes;
    use crate::faces::Split;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A `width x height` RGBA picture whose pixel (x, y) is
    /// `(x * 7 + y * 3) % 256` in red, `(x + y * 11) % 256` in green and
    /// `(x * y) % 256` in blue, fully opaque: varied enough that a wrong
    /// crop or grey conversion shows.
    fn rgba(width: u32, height: u32, shift: u32) -> Vec<u8> {
        let mut pixels = Vec::with_capacity((width * height * 4) as usize);
        for y in 0..height {
            for x in 0..width {
                pixels.extend_from_slice(&[
                    ((x * 7 + y * 3 + shift) % 256) as u8,
                    ((x + y * 11 + shift) % 256) as u8,
                    ((x * y + shift) % 256) as u8,
                    255,
                ]);
            }
        }
        pixels
    }

    fn face(person: &str, n: u32, width: u32, height: u32) -> (SourceImage, OwnFace) {
        let pixels = rgba(width, height, n * 5);
        let file = face_path(person, &format!("{n}.jpg"), &[]);
        let own = face_from_pixels(
            &file,
            width,
            height,
            PixelLayout::Rgba,
            pixels.clone(),
            OWN_CROP_SIZE,
        )
        .unwrap();
        // The native path: the decoded colour image, grey by DynamicImage.
        let decoded = image::DynamicImage::ImageRgba8(
            image::RgbaImage::from_raw(width, height, pixels).unwrap(),
        );
        let source = SourceImage {
            person: person.into(),
            file: file.clone(),
            image: decoded.to_luma8(),
        };
        (
            source,
            OwnFace {
                person: person.into(),
                file,
                pixels: own,
            },
        )
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn own_faces_prepare_to_the_same_set_as_the_folder_preparation() {
        // Three people, photographs of mixed shapes (wide, tall, square),
        // added in an order that is not the folder reader's.
        let mut sources = Vec::new();
        let mut own = Vec::new();
        for (person, shape) in [("zoe", (90, 60)), ("Ann", (40, 120)), ("ben", (64, 64))] {
            for n in [3, 1, 10, 2] {
                let (s, o) = face(person, n, shape.0, shape.1);
                sources.push(s);
                own.push(o);
            }
        }
        // `gradlab faces prepare --source folder` with every sub-folder: the
        // people in natural order (read_folder).
        let mut people = vec!["zoe".to_string(), "Ann".into(), "ben".into()];
        people.sort_by_key(|p| natural_key(p));
        let config = |size| PrepareConfig {
            size,
            seed: 7,
            ..PrepareConfig::default()
        };
        // Part 10's 64 x 64: the original photographs' own crops.
        let features = prepare_own(&own, 64, 7).unwrap();
        let native = FaceSet::prepare(&sources, &people, &config(64)).unwrap();
        assert_eq!(
            features, native,
            "pixels, labels, splits and files all equal"
        );
        // Part 8's 32 x 32: the downloaded folder's, whose PNGs are the crops.
        let set = prepare_own(&own, 32, 7).unwrap();
        let downloaded: Vec<SourceImage> = own
            .iter()
            .map(|face| SourceImage {
                person: face.person.clone(),
                file: face.file.clone(),
                image: GrayImage::from_raw(64, 64, face.pixels.clone()).unwrap(),
            })
            .collect();
        let native = FaceSet::prepare(&downloaded, &people, &config(32)).unwrap();
        assert_eq!(set, native, "pixels, labels, splits and files all equal");
        assert_eq!(set.people(), &["Ann", "ben", "zoe"]);
        assert_eq!(set.counts(), vec![(2, 1, 1); 3], "4 faces split 2 / 1 / 1");
        assert_eq!(set.files()[0], "Ann/1.png", "natural order within a person");
        // Both sizes split alike, so part 10's faces are part 8's.
        assert_eq!(
            (set.labels(), set.files()),
            (features.labels(), features.files())
        );
        for split in [Split::Train, Split::Validation, Split::Test] {
            assert_eq!(set.indices(split), features.indices(split));
        }
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn faces_kept_at_32_still_prepare_and_a_crop_that_is_no_square_is_named() {
        // Faces kept before part 10 ran in the page are 32 x 32 crops: they
        // prepare as a folder of them would.
        let mut own = faces_of(&[("Ann", 3), ("Ben", 3)]);
        for face in &mut own {
            let image = GrayImage::from_raw(64, 64, face.pixels.clone()).unwrap();
            face.pixels = square_crop(&image, 32);
        }
        let set = prepare_own(&own, 32, 0).unwrap();
        assert_eq!(
            set.pixels().row(0).as_slice().unwrap(),
            own[0].pixels.as_slice()
        );
        own[4].pixels.pop();
        let error = prepare_own(&own, 32, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Ben/2.png: a kept face is a square of grey levels, but its 1023 bytes are no square \
             (of side 1 to 256): forget the kept faces and bring them again"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn grey_pixels_and_rgba_grey_give_the_same_face() {
        // An RGBA pixel with R = G = B = v is grey level v: image's weights
        // 0.2126 + 0.7152 + 0.0722 sum to 1.
        let grey: Vec<u8> = (0..48u32).map(|i| (i * 5) as u8).collect();
        let rgba: Vec<u8> = grey.iter().flat_map(|&v| [v, v, v, 255]).collect();
        let a = face_from_pixels("a", 6, 8, PixelLayout::Grey, grey, 4).unwrap();
        let b = face_from_pixels("b", 6, 8, PixelLayout::Rgba, rgba, 4).unwrap();
        assert_eq!(a, b);
        // A pure red pixel: image's weight for red, 0.2126, times 255 is 54.2.
        let red =
            face_from_pixels("red", 1, 1, PixelLayout::Rgba, vec![255, 0, 0, 255], 1).unwrap();
        assert_eq!(red, vec![54]);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_pgm_file_is_decoded_here_and_cropped_like_the_others() {
        let pixels: Vec<u8> = (0..92 * 112).map(|i| (i % 251) as u8).collect();
        let bytes = pgm_bytes(92, 112, &pixels);
        let from_file = face_from_file("s1/1.pgm", &bytes, 32).unwrap();
        let from_pixels =
            face_from_pixels("s1/1.pgm", 92, 112, PixelLayout::Grey, pixels.clone(), 32).unwrap();
        assert_eq!(from_file, from_pixels);
        assert_eq!(
            read_header("s1/1.pgm", &bytes).unwrap(),
            PhotoHeader {
                format: PhotoFormat::Pgm,
                width: Some(92),
                height: Some(112)
            }
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn headers_give_the_format_and_size_before_decoding() {
        // PNG: IHDR's width and height at bytes 16 and 20, big-endian.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&640u32.to_be_bytes());
        png.extend_from_slice(&480u32.to_be_bytes());
        let header = read_header("a.png", &png).unwrap();
        assert_eq!(
            (header.format, header.width, header.height),
            (PhotoFormat::Png, Some(640), Some(480))
        );
        // JPEG: an APP0 segment of 16 bytes, then SOF0 with height 300, width 200.
        let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jpeg.extend_from_slice(&[0; 14]);
        jpeg.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x2C, 0x00, 0xC8, 0x03]);
        let header = read_header("a.jpg", &jpeg).unwrap();
        assert_eq!(
            (header.format, header.width, header.height),
            (PhotoFormat::Jpeg, Some(200), Some(300))
        );
        // GIF: little-endian 16-bit sizes at bytes 6 and 8 of its 13-byte header.
        let header = read_header("a.gif", b"GIF89a\x0a\x00\x14\x00\x00\x00\x00").unwrap();
        assert_eq!((header.width, header.height), (Some(10), Some(20)));
        // WebP, lossless: (width - 1) and (height - 1) in 14 bits each after 0x2F.
        let mut webp = b"RIFF\0\0\0\0WEBPVP8L\0\0\0\0\x2f".to_vec();
        webp.extend_from_slice(&((99u32) | (49 << 14)).to_le_bytes());
        let header = read_header("a.webp", &webp).unwrap();
        assert_eq!(
            (header.format, header.width, header.height),
            (PhotoFormat::Webp, Some(100), Some(50))
        );
        let avif = b"\0\0\0\x1cftypavif\0\0\0\0";
        assert_eq!(
            read_header("a.avif", avif).unwrap().width,
            None,
            "AVIF is sized after decoding"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_file_that_is_not_an_image_is_named() {
        let error = read_header("notes.txt", b"hello, these are my notes").unwrap_err();
        // The first eight bytes, the space shown as a dot.
        assert_eq!(
            error.to_string(),
            "notes.txt is not an image: its first bytes (\"hello,.t\") are not those of any image \
             format; use JPEG, PNG, WebP, GIF, BMP, AVIF or PGM photographs"
        );
        assert!(matches!(
            read_header("empty.jpg", b""),
            Err(OwnFacesError::NotAnImage { .. })
        ));
        // A PNG cut inside its header, before the size.
        let error = read_header("cut.png", b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR").unwrap_err();
        assert!(
            error.to_string().contains("ends inside its header"),
            "{error}"
        );
        // Shorter than any image's header.
        let error = read_header("cut.png", b"\x89PNG\r\n\x1a\n\0\0").unwrap_err();
        assert!(
            error.to_string().contains("10 bytes long, too short"),
            "{error}"
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_huge_photo_is_refused_from_its_header_and_before_its_pixels_are_copied() {
        // 20000 x 20000 = 400 megapixels, eight times MAX_PHOTO_PIXELS.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&20000u32.to_be_bytes());
        png.extend_from_slice(&20000u32.to_be_bytes());
        let error = read_header("huge.png", &png).unwrap_err();
        assert_eq!(
            error.to_string(),
            "huge.png is 20000x20000 pixels (400 megapixels); photographs of up to 50 megapixels \
             are taken: make it smaller first, or crop it to the face"
        );
        // The same bound on decoded pixels, checked before their length: no
        // 1.6 GB buffer is needed to be refused.
        assert!(matches!(
            face_from_pixels("huge.png", 20000, 20000, PixelLayout::Rgba, Vec::new(), 32),
            Err(OwnFacesError::PhotoTooLarge { .. })
        ));
        // 8000 x 6000 (a 48-megapixel phone photograph) is within the bound.
        assert!(check_photo_size("phone.jpg", 8000, 6000).is_ok());
        assert!(matches!(
            face_from_pixels("short.png", 4, 4, PixelLayout::Rgba, vec![0; 63], 32),
            Err(OwnFacesError::PixelCount {
                expected: 64,
                found: 63,
                ..
            })
        ));
    }

    fn faces_of(counts: &[(&str, u32)]) -> Vec<OwnFace> {
        counts
            .iter()
            .flat_map(|&(person, n)| (1..=n).map(move |i| face(person, i, 40, 40).1))
            .collect()
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn too_few_or_too_many_people_too_few_faces_and_a_file_twice_are_named() {
        let error = prepare_own(&faces_of(&[("Ann", 5)]), 32, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "1 person brought; telling people apart needs at least 2: add someone else's faces"
        );
        let eleven: Vec<(String, u32)> = (1..=11).map(|i| (format!("p{i}"), 3)).collect();
        let eleven: Vec<(&str, u32)> = eleven.iter().map(|(p, n)| (p.as_str(), *n)).collect();
        let error = prepare_own(&faces_of(&eleven), 32, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "11 people brought; at most 10 are taken: remove 1 person"
        );
        let error = prepare_own(&faces_of(&[("Ann", 5), ("Ben", 2)]), 32, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Ben has 2 faces; at least 3 are needed, one to train on, one to validate with and \
             one to test on: add 1 more"
        );
        let mut twice = faces_of(&[("Ann", 3), ("Ben", 3)]);
        twice[1].file = twice[0].file.clone();
        let error = prepare_own(&twice, 32, 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "two faces are both Ann/1.png: each face of a person needs its own file name"
        );
        let set = prepare_own(&faces_of(&[("Ann", 3), ("Ben", 3)]), 32, 0).unwrap();
        assert_eq!(
            set.counts(),
            vec![(1, 1, 1); 2],
            "three faces are enough: 1 / 1 / 1"
        );
        assert_eq!(set.indices(Split::Validation).len(), 2);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn names_must_make_folders() {
        for (name, reason) in [
            ("", "give the person a name"),
            ("  ", "give the person a name"),
            (
                ".hidden",
                "it starts with a dot, which would hide its folder",
            ),
            (
                "a/b",
                "it holds a slash, which would split its folder in two",
            ),
            (" Ann", "it starts or ends with a space"),
        ] {
            match check_name(name) {
                Err(OwnFacesError::BadName { reason: said, .. }) => {
                    assert_eq!(said, reason, "{name:?}")
                }
                other => panic!("{name:?}: {other:?}"),
            }
        }
        assert!(check_name("Zoë Ng").is_ok());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn face_paths_are_pngs_named_after_the_original_and_unique() {
        assert_eq!(face_path("Ann", "IMG_0001.JPG", &[]), "Ann/IMG_0001.png");
        assert_eq!(face_path("Ann", "holiday/1.pgm", &[]), "Ann/1.png");
        let taken = vec!["Ann/1.png".to_string()];
        assert_eq!(face_path("Ann", "1.jpg", &taken), "Ann/1-2.png");
        assert_eq!(
            face_path("Ann", ".png", &[]),
            "Ann/png.png",
            "no hidden file"
        );
        assert_eq!(face_path("Ann", "...", &[]), "Ann/face.png");
    }
}
