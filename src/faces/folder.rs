//! Any face set laid out as one sub-folder per person:
//!
//! ```text
//! DIR/Alec Baldwin/1.jpg
//! DIR/Alec Baldwin/2.png
//! DIR/Peri Gilpin/...
//! ```
//!
//! The sub-folder's name is the person's name. Each file is decoded by the
//! `image` crate (JPEG and PNG in the native build), or by this crate's
//! [`super::pgm`] reader when it is a binary PGM, and turned to grey levels.
//! Files that are not images are left out and named, not fatal: a folder
//! often holds a stray text file. Hidden files (a leading `.`, such as the
//! temporary files of an interrupted download) are ignored.
//!
//! [`super::facescrub`] downloads into exactly this layout.

use std::path::Path;

use image::GrayImage;

use super::pgm::parse_pgm;
use super::{natural_key, FacesError, LeftOut, SourceImage};

/// What [`read_folder`] found.
#[derive(Clone, Debug, Default)]
pub struct FolderImages {
    pub images: Vec<SourceImage>,
    /// Every person with a sub-folder, in natural order.
    pub people: Vec<String>,
    /// Files that could not be decoded, with the reason.
    pub left_out: Vec<LeftOut>,
}

/// Decodes an image file's bytes to grey levels; `file` names it in errors.
pub fn decode_image(file: &str, bytes: &[u8]) -> Result<GrayImage, FacesError> {
    if bytes.starts_with(b"P5") {
        let pgm = parse_pgm(file, bytes)?;
        let size = u32::try_from(pgm.width)
            .ok()
            .zip(u32::try_from(pgm.height).ok());
        return size
            .and_then(|(w, h)| GrayImage::from_raw(w, h, pgm.pixels))
            .ok_or_else(|| FacesError::Decode {
                file: file.into(),
                reason: "the image is too large".into(),
            });
    }
    let image = image::load_from_memory(bytes).map_err(|e| FacesError::Decode {
        file: file.into(),
        reason: e.to_string(),
    })?;
    Ok(image.to_luma8())
}

fn visible_entries(dir: &Path) -> Result<Vec<std::path::PathBuf>, FacesError> {
    let io_error = |cause| FacesError::Io {
        file: dir.display().to_string(),
        cause,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let path = entry.map_err(io_error)?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden {
            entries.push(path);
        }
    }
    entries.sort_by_key(|p| natural_key(&p.file_name().unwrap_or_default().to_string_lossy()));
    Ok(entries)
}

/// Reads the images of `people` (all sub-folders if `None`) from `dir`.
/// Files that do not decode are left out and listed; a person asked for
/// who has no sub-folder is an error that lists who is there, and one whose
/// sub-folder holds no readable image is an error that lists what is there.
pub fn read_folder(dir: &Path, people: Option<&[String]>) -> Result<FolderImages, FacesError> {
    let folders: Vec<_> = visible_entries(dir)?
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    let all: Vec<String> = folders
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    if all.is_empty() {
        return Err(FacesError::EmptyFolder {
            folder: dir.display().to_string(),
        });
    }
    if let Some(wanted) = people {
        if let Some(missing) = wanted.iter().find(|name| !all.contains(name)) {
            return Err(FacesError::NoImagesOf {
                person: missing.clone(),
                available: all.join(", "),
            });
        }
    }
    let mut found = FolderImages {
        people: all.clone(),
        ..FolderImages::default()
    };
    for (folder, person) in folders.iter().zip(&all) {
        if people.is_some_and(|wanted| !wanted.contains(person)) {
            continue;
        }
        let (images_before, left_out_before) = (found.images.len(), found.left_out.len());
        for path in visible_entries(folder)?.into_iter().filter(|p| p.is_file()) {
            let file = format!(
                "{person}/{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            let decoded = std::fs::read(&path)
                .map_err(|cause| FacesError::Io {
                    file: path.display().to_string(),
                    cause,
                })
                .and_then(|bytes| decode_image(&file, &bytes));
            match decoded {
                Ok(image) if image.width() > 0 && image.height() > 0 => {
                    found.images.push(SourceImage {
                        person: person.clone(),
                        file,
                        image,
                    })
                }
                Ok(_) => found.left_out.push(LeftOut {
                    file,
                    reason: "the image is empty".into(),
                }),
                Err(error) => {
                    // The reason without the file's name in front: `file` says it.
                    let message = error.to_string();
                    let reason = message
                        .strip_prefix(&format!("{file}: "))
                        .map_or(message.clone(), str::to_owned);
                    found.left_out.push(LeftOut { file, reason })
                }
            }
        }
        if found.images.len() == images_before {
            return Err(FacesError::NoReadableImages {
                person: person.clone(),
                folder: folder.display().to_string(),
                unreadable: found.left_out[left_out_before..].to_vec(),
            });
        }
    }
    Ok(found)
}
