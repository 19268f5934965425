//! FaceScrub (Ng and Winkler, 2014), the project's own source of faces: lists
//! of web images of actors and actresses with a face's bounding box and the
//! image's SHA-256, which a user with internet downloads.
//!
//! The lists (`facescrub_actors.txt`, `facescrub_actresses.txt`) are
//! tab-separated, with a header line:
//!
//! ```text
//! name           image_id  face_id  url                  bbox             sha256
//! Alec Baldwin   1         1        http://.../a.jpg     95,77,224,206    4e5f...(64 hex digits)
//! ```
//!
//! `bbox` is `x1,y1,x2,y2` in pixels, `x2` and `y2` exclusive. For each line
//! [`download_faces`] fetches the URL (with a time limit and retries for
//! failures that may pass), checks the SHA-256 of what came back, decodes it,
//! crops the box, turns it grey and writes it as
//! `DIR/<name>/<face_id>.png` through a temporary file and a rename, so that
//! nothing partial is ever left under a final name. A face already on disk
//! and readable is not fetched again, so an interrupted run resumes where it
//! stopped. What failed, and why, is in the [`DownloadSummary`]. The folder
//! then has the layout [`super::folder`] reads.
//!
//! Parsing the lists is plain Rust; downloading needs the `face-sources`
//! feature (an HTTP client and SHA-256), on in the native build.

/// One face of a FaceScrub list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListEntry {
    /// The person, e.g. `Alec Baldwin`.
    pub name: String,
    pub image_id: u64,
    pub face_id: u64,
    pub url: String,
    pub bbox: BoundingBox,
    /// 64 lower-case hex digits.
    pub sha256: String,
    /// The line of the list it came from (1-based), for messages.
    pub line: usize,
}

/// A face's box in the image, in pixels: columns `x1..x2`, rows `y1..y2`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BoundingBox {
    pub x1: u32,
    pub y1: u32,
    pub x2: u32,
    pub y2: u32,
}

impl std::fmt::Display for BoundingBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{},{},{},{}", self.x1, self.y1, self.x2, self.y2)
    }
}

/// The fields of a line, in order.
pub const FIELDS: [&str; 6] = ["name", "image_id", "face_id", "url", "bbox", "sha256"];

/// What can be wrong with a list. Each variant names the file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListError {
    #[error("{file}, line {line}: no `{field}` field (a line is name, image_id, face_id, url, bbox, sha256, separated by tabs)")]
    MissingField {
        file: String,
        line: usize,
        field: &'static str,
    },
    #[error("{file}, line {line}: `{field}` is `{text}`, not a whole number")]
    BadNumber {
        file: String,
        line: usize,
        field: &'static str,
        text: String,
    },
    #[error("{file}, line {line}: bbox `{text}` {reason} (expected x1,y1,x2,y2 with x1 < x2 and y1 < y2)")]
    BadBox {
        file: String,
        line: usize,
        text: String,
        reason: &'static str,
    },
    #[error("{file}, line {line}: sha256 `{text}` is not 64 hex digits")]
    BadHash {
        file: String,
        line: usize,
        text: String,
    },
    #[error("{file}, line {line}: empty `{field}`")]
    EmptyField {
        file: String,
        line: usize,
        field: &'static str,
    },
}

/// Parses a FaceScrub list; `file` names it in errors. A header line
/// (starting `name<TAB>`) and blank lines are skipped; fields after the
/// sixth are ignored.
pub fn parse_list(file: &str, text: &str) -> Result<Vec<ListEntry>, ListError> {
    let mut entries = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let raw = raw.trim_end_matches('\r');
        if raw.trim().is_empty() || (entries.is_empty() && raw.starts_with("name\t")) {
            continue;
        }
        let mut fields = raw.split('\t');
        let mut next = |field: &'static str| -> Result<String, ListError> {
            let value = fields.next().ok_or_else(|| ListError::MissingField {
                file: file.into(),
                line,
                field,
            })?;
            let value = value.trim();
            if value.is_empty() {
                return Err(ListError::EmptyField {
                    file: file.into(),
                    line,
                    field,
                });
            }
            Ok(value.to_string())
        };
        let name = next("name")?;
        let number = |field: &'static str, text: &str| {
            text.parse::<u64>().map_err(|_| ListError::BadNumber {
                file: file.into(),
                line,
                field,
                text: text.into(),
            })
        };
        let image_id = number("image_id", &next("image_id")?)?;
        let face_id = number("face_id", &next("face_id")?)?;
        let url = next("url")?;
        let bbox = parse_bbox(&next("bbox")?).map_err(|(text, reason)| ListError::BadBox {
            file: file.into(),
            line,
            text,
            reason,
        })?;
        let sha256 = next("sha256")?;
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ListError::BadHash {
                file: file.into(),
                line,
                text: sha256,
            });
        }
        entries.push(ListEntry {
            name,
            image_id,
            face_id,
            url,
            bbox,
            sha256: sha256.to_ascii_lowercase(),
            line,
        });
    }
    Ok(entries)
}

fn parse_bbox(text: &str) -> Result<BoundingBox, (String, &'static str)> {
    let numbers: Vec<&str> = text.split(',').map(str::trim).collect();
    let [x1, y1, x2, y2] = numbers.as_slice() else {
        return Err((text.into(), "does not have four numbers"));
    };
    let parse = |s: &str| s.parse::<u32>();
    let (Ok(x1), Ok(y1), Ok(x2), Ok(y2)) = (parse(x1), parse(y1), parse(x2), parse(y2)) else {
        return Err((
            text.into(),
            "has a part that is not a whole number of pixels",
        ));
    };
    if x1 >= x2 || y1 >= y2 {
        return Err((text.into(), "is empty"));
    }
    Ok(BoundingBox { x1, y1, x2, y2 })
}

/// The folder a person's faces go to: the name, made safe as one path
/// component (no separators, no leading dot).
pub fn person_folder(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| {
            if matches!(c, '/' | '\\' | '\0') {
                '_'
            } else {
                c
            }
        })
        .collect();
    // Dots and white space together, until neither leads: trimming one and
    // then the other let ". .." become "..", the parent folder.
    let safe = safe
        .trim_start_matches(|c: char| c == '.' || c.is_whitespace())
        .trim_end();
    if safe.is_empty() {
        "_".into()
    } else {
        safe.into()
    }
}

/// The project's six FaceScrub people, three actresses and three actors.
pub const PROJECT_PEOPLE: [&str; 6] = [
    "Lorraine Bracco",
    "Peri Gilpin",
    "Angie Harmon",
    "Alec Baldwin",
    "Bill Hader",
    "Steve Carell",
];

/// The entries of `people` (names as in the lists); a person the lists do
/// not have is an error, since nothing could be downloaded for them.
pub fn entries_of(
    entries: Vec<ListEntry>,
    people: &[String],
) -> Result<Vec<ListEntry>, super::FacesError> {
    if let Some(missing) = people
        .iter()
        .find(|p| !entries.iter().any(|e| &e.name == *p))
    {
        return Err(super::FacesError::NotInLists {
            person: missing.clone(),
        });
    }
    Ok(entries
        .into_iter()
        .filter(|e| people.contains(&e.name))
        .collect())
}

/// The faces of `people` downloaded into `downloads` (one folder per person,
/// [`person_folder`]), named as the lists name them.
pub fn read_downloads(
    downloads: &std::path::Path,
    people: &[String],
) -> Result<super::folder::FolderImages, super::FacesError> {
    let folders: Vec<String> = people.iter().map(|p| person_folder(p)).collect();
    let mut found = super::folder::read_folder(downloads, Some(&folders))?;
    for image in &mut found.images {
        if let Some(i) = folders.iter().position(|f| *f == image.person) {
            image.person = people[i].clone();
        }
    }
    found.people = people.to_vec();
    Ok(found)
}

/// Where [`download_faces`] writes an entry's face.
pub fn face_path(dir: &std::path::Path, entry: &ListEntry) -> std::path::PathBuf {
    dir.join(person_folder(&entry.name))
        .join(format!("{}.png", entry.face_id))
}

#[cfg(all(feature = "face-sources", not(target_arch = "wasm32")))]
pub use download::*;

#[cfg(all(feature = "face-sources", not(target_arch = "wasm32")))]
mod download {
    use std::collections::HashMap;
    use std::io::Cursor;
    use std::path::Path;
    use std::time::Duration;

    use image::GrayImage;
    use sha2::{Digest, Sha256};

    use super::{face_path, BoundingBox, ListEntry};

    /// How to download.
    #[derive(Clone, Debug, PartialEq)]
    pub struct DownloadConfig {
        /// The most one request may take, connecting and reading included.
        pub timeout: Duration,
        /// Further attempts after a failure that may pass (a time-out, a
        /// network error, HTTP 5xx or 429); a 404, a wrong hash or a file
        /// that is not an image is not retried.
        pub retries: u32,
        /// The wait before each retry.
        pub retry_delay: Duration,
        /// Larger bodies are refused.
        pub max_bytes: u64,
        /// Stop fetching a person's faces once this many are on disk.
        pub max_per_person: Option<usize>,
    }

    impl Default for DownloadConfig {
        fn default() -> Self {
            DownloadConfig {
                timeout: Duration::from_secs(15),
                retries: 2,
                retry_delay: Duration::from_secs(1),
                max_bytes: 20_000_000,
                max_per_person: None,
            }
        }
    }

    /// Why a face could not be had.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    pub enum FailureReason {
        #[error("HTTP status {status}")]
        Http { status: u16 },
        #[error("no complete answer within the time limit ({limit:?})")]
        Timeout { limit: Duration },
        #[error("network error: {0}")]
        Network(String),
        #[error("the body is larger than {limit} bytes")]
        TooLarge { limit: u64 },
        #[error("SHA-256 {found} is not the list's {expected}")]
        HashMismatch { expected: String, found: String },
        #[error("not an image: {0}")]
        NotAnImage(String),
        #[error("bbox {bbox} is outside the {width}x{height} image")]
        BoxOutside {
            bbox: BoundingBox,
            width: u32,
            height: u32,
        },
        #[error("cannot write the face: {0}")]
        Write(String),
    }

    impl FailureReason {
        /// A short tag for summaries: `http`, `timeout`, `network`,
        /// `too_large`, `hash_mismatch`, `not_an_image`, `box_outside`, `write`.
        pub fn kind(&self) -> &'static str {
            match self {
                FailureReason::Http { .. } => "http",
                FailureReason::Timeout { .. } => "timeout",
                FailureReason::Network(_) => "network",
                FailureReason::TooLarge { .. } => "too_large",
                FailureReason::HashMismatch { .. } => "hash_mismatch",
                FailureReason::NotAnImage(_) => "not_an_image",
                FailureReason::BoxOutside { .. } => "box_outside",
                FailureReason::Write(_) => "write",
            }
        }

        /// Whether trying again may help.
        fn is_transient(&self) -> bool {
            match self {
                FailureReason::Http { status } => *status >= 500 || *status == 429,
                FailureReason::Timeout { .. } | FailureReason::Network(_) => true,
                _ => false,
            }
        }
    }

    /// A face that could not be had.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Failure {
        pub name: String,
        pub face_id: u64,
        pub url: String,
        /// The list line it came from.
        pub line: usize,
        pub attempts: u32,
        pub reason: FailureReason,
    }

    impl std::fmt::Display for Failure {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(
                f,
                "{} face {} (line {}, {}): {} after {} attempt{}",
                self.name,
                self.face_id,
                self.line,
                self.url,
                self.reason,
                self.attempts,
                if self.attempts == 1 { "" } else { "s" }
            )
        }
    }

    /// What happened to one entry.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Fetched {
        /// Downloaded, checked, cropped and written.
        Downloaded,
        /// Already on disk and readable: not fetched again.
        AlreadyPresent,
        /// The person already has `max_per_person` faces.
        NotNeeded,
    }

    /// What [`download_faces`] did.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct DownloadSummary {
        pub downloaded: usize,
        pub already_present: usize,
        pub not_needed: usize,
        pub failed: Vec<Failure>,
    }

    impl DownloadSummary {
        /// How many failed for each [`FailureReason::kind`], most first.
        pub fn failures_by_kind(&self) -> Vec<(&'static str, usize)> {
            let mut counts: HashMap<&'static str, usize> = HashMap::new();
            for failure in &self.failed {
                *counts.entry(failure.reason.kind()).or_default() += 1;
            }
            let mut counts: Vec<_> = counts.into_iter().collect();
            counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            counts
        }
    }

    /// Downloads every entry into `dir` (see the module documentation),
    /// calling `on_entry` after each. Failures are collected, not returned
    /// early: one dead link must not stop a run of thousands.
    pub fn download_faces(
        entries: &[ListEntry],
        dir: &Path,
        config: &DownloadConfig,
        mut on_entry: impl FnMut(&ListEntry, &Result<Fetched, Failure>),
    ) -> DownloadSummary {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(config.timeout))
            .http_status_as_error(true)
            .build()
            .into();
        let mut summary = DownloadSummary::default();
        let mut have: HashMap<&str, usize> = HashMap::new();
        for entry in entries {
            let count = have.entry(entry.name.as_str()).or_default();
            let result = if config.max_per_person.is_some_and(|max| *count >= max) {
                Ok(Fetched::NotNeeded)
            } else {
                download_one(&agent, entry, dir, config)
            };
            match &result {
                Ok(Fetched::Downloaded) => {
                    summary.downloaded += 1;
                    *count += 1;
                }
                Ok(Fetched::AlreadyPresent) => {
                    summary.already_present += 1;
                    *count += 1;
                }
                Ok(Fetched::NotNeeded) => summary.not_needed += 1,
                Err(failure) => summary.failed.push(failure.clone()),
            }
            on_entry(entry, &result);
        }
        summary
    }

    /// Whether `path` holds a face that decodes.
    fn is_valid_face(path: &Path) -> bool {
        std::fs::read(path)
            .ok()
            .is_some_and(|bytes| image::load_from_memory(&bytes).is_ok())
    }

    /// One entry: skip if present, else fetch (with retries), check, crop,
    /// write.
    pub fn download_one(
        agent: &ureq::Agent,
        entry: &ListEntry,
        dir: &Path,
        config: &DownloadConfig,
    ) -> Result<Fetched, Failure> {
        let path = face_path(dir, entry);
        if is_valid_face(&path) {
            return Ok(Fetched::AlreadyPresent);
        }
        let mut attempts = 0;
        let outcome = loop {
            attempts += 1;
            let outcome = fetch(agent, entry, config).and_then(|bytes| face_png(entry, &bytes));
            match outcome {
                Err(reason) if reason.is_transient() && attempts <= config.retries => {
                    std::thread::sleep(config.retry_delay);
                }
                other => break other,
            }
        };
        let failure = |reason| Failure {
            name: entry.name.clone(),
            face_id: entry.face_id,
            url: entry.url.clone(),
            line: entry.line,
            attempts,
            reason,
        };
        let png = outcome.map_err(failure)?;
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(|e| e.to_string())
            .and_then(|()| {
                crate::formats::write_atomically(&path, &png).map_err(|e| e.to_string())
            });
        written.map_err(|e| failure(FailureReason::Write(e)))?;
        Ok(Fetched::Downloaded)
    }

    /// The body of `entry.url`, whole, within the time and size limits.
    fn fetch(
        agent: &ureq::Agent,
        entry: &ListEntry,
        config: &DownloadConfig,
    ) -> Result<Vec<u8>, FailureReason> {
        let to_reason = |error: ureq::Error| match error {
            ureq::Error::StatusCode(status) => FailureReason::Http { status },
            ureq::Error::Timeout(_) => FailureReason::Timeout {
                limit: config.timeout,
            },
            ureq::Error::BodyExceedsLimit(limit) => FailureReason::TooLarge { limit },
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
                FailureReason::Timeout {
                    limit: config.timeout,
                }
            }
            other => FailureReason::Network(other.to_string()),
        };
        let mut response = agent.get(&entry.url).call().map_err(to_reason)?;
        response
            .body_mut()
            .with_config()
            .limit(config.max_bytes)
            .read_to_vec()
            .map_err(to_reason)
    }

    /// Checks the hash, decodes, crops the box and encodes the grey face as PNG.
    fn face_png(entry: &ListEntry, bytes: &[u8]) -> Result<Vec<u8>, FailureReason> {
        let found: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        if found != entry.sha256 {
            return Err(FailureReason::HashMismatch {
                expected: entry.sha256.clone(),
                found,
            });
        }
        let image =
            image::load_from_memory(bytes).map_err(|e| FailureReason::NotAnImage(e.to_string()))?;
        let (width, height) = (image.width(), image.height());
        let b = entry.bbox;
        if b.x2 > width || b.y2 > height {
            return Err(FailureReason::BoxOutside {
                bbox: b,
                width,
                height,
            });
        }
        let face: GrayImage = image
            .crop_imm(b.x1, b.y1, b.x2 - b.x1, b.y2 - b.y1)
            .to_luma8();
        let mut png = Vec::new();
        face.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .map_err(|e| FailureReason::Write(e.to_string()))?;
        Ok(png)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    const HASH: &str = "4e5fdb2c0f0c3d3a1e9f4a0c5b7d6e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d";

    fn line(fields: &[&str]) -> String {
        fields.join("\t")
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_list_with_its_header_parses_into_entries() {
        let text = format!(
            "name\timage_id\tface_id\turl\tbbox\tsha256\n{}\r\n\n{}\n",
            line(&[
                "Alec Baldwin",
                "1",
                "1",
                "http://x/a.jpg",
                "95,77,224,206",
                HASH
            ]),
            line(&[
                "Peri Gilpin",
                "7",
                "12",
                "http://x/b.png",
                "1, 2, 30, 40",
                &HASH.to_uppercase()
            ]),
        );
        let entries = parse_list("facescrub_actors.txt", &text).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].name, "Alec Baldwin");
        assert_eq!(
            entries[0].bbox,
            BoundingBox {
                x1: 95,
                y1: 77,
                x2: 224,
                y2: 206
            }
        );
        assert_eq!(entries[0].line, 2);
        assert_eq!((entries[1].face_id, entries[1].line), (12, 4));
        assert_eq!(entries[1].sha256, HASH, "hashes are kept in lower case");
        assert_eq!(
            face_path(std::path::Path::new("d"), &entries[1]),
            std::path::Path::new("d/Peri Gilpin/12.png")
        );
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn each_bad_line_is_a_typed_error_with_its_file_and_line() {
        let parse = |fields: &[&str]| parse_list("list.txt", &line(fields)).unwrap_err();
        let error = parse(&["Alec Baldwin", "1", "1", "http://x/a.jpg", "95,77,224,206"]);
        assert_eq!(
            error,
            ListError::MissingField {
                file: "list.txt".into(),
                line: 1,
                field: "sha256"
            }
        );
        assert!(error
            .to_string()
            .starts_with("list.txt, line 1: no `sha256` field"));
        assert!(matches!(
            parse(&["A", "one", "1", "u", "1,2,3,4", HASH]),
            ListError::BadNumber {
                field: "image_id",
                ..
            }
        ));
        assert!(matches!(
            parse(&["A", "1", "1", "u", "1,2,3", HASH]),
            ListError::BadBox {
                reason: "does not have four numbers",
                ..
            }
        ));
        assert!(matches!(
            parse(&["A", "1", "1", "u", "1,2,x,4", HASH]),
            ListError::BadBox { .. }
        ));
        assert!(matches!(
            parse(&["A", "1", "1", "u", "10,2,5,4", HASH]),
            ListError::BadBox {
                reason: "is empty",
                ..
            }
        ));
        assert!(matches!(
            parse(&["A", "1", "1", "u", "-1,2,5,4", HASH]),
            ListError::BadBox { .. }
        ));
        assert!(matches!(
            parse(&["A", "1", "1", "u", "1,2,3,4", "abc"]),
            ListError::BadHash { .. }
        ));
        assert!(matches!(
            parse(&["", "1", "1", "u", "1,2,3,4", HASH]),
            ListError::EmptyField { field: "name", .. }
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn person_folders_are_one_safe_path_component() {
        assert_eq!(person_folder("Alec Baldwin"), "Alec Baldwin");
        assert_eq!(person_folder("../etc/x"), "_etc_x");
        assert_eq!(person_folder("."), "_");
        // Found by the facescrub_line fuzz target: dots after white space
        // after dots survived, so ". .." was the parent folder.
        assert_eq!(person_folder(". .."), "_");
        assert_eq!(person_folder(".. ..x"), "x");
        assert_eq!(person_folder("...\u{b}...Ann"), "Ann");
    }
}
