//! Every input with which fuzzing (fuzz/, cargo-fuzz) or review crashed a
//! reader, kept as it was found (fuzz/regressions/TARGET/NAME), fed to the
//! same function again: each must now be the named error, not a panic, an
//! abort or an exhausted memory.

use std::path::PathBuf;

fn regression(target: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file in fuzz/regressions/TARGET, so that one added there without a
/// test of its own still runs through its reader (which must not panic).
fn all_regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

#[test]
fn idx_images_of_zero_images_whose_size_overflows_are_a_named_error() {
    // Found by the idx_images target in its first minute: a header of 0
    // images of 0xf1fffff7 x 0xfcffffff pixels passed the length check (0
    // bytes promised, 0 found) and then panicked building the array
    // ("ShapeError/Overflow").
    let bytes = regression("idx_images", "zero-images-of-overflowing-size");
    let error = gradlab::mnist::parse_images("f", &bytes[..]).unwrap_err();
    assert!(
        matches!(error, gradlab::mnist::IdxError::ImageTooLarge { .. }),
        "{error}"
    );
    assert!(error
        .to_string()
        .contains("more than this machine can address"));
}

#[test]
fn a_header_promising_huge_images_is_a_length_error_not_an_allocation() {
    // Found by the idx_images target in its first seconds once images were
    // packed as they come: a 16-byte file whose header promises 0x43bb3cbc
    // images of 0xbc434343 x 0x43430506 pixels had the reader reserve room
    // for one whole image (3.6 * 10^18 bytes) and abort.
    let bytes = regression("idx_images", "huge-images-promised-in-a-short-file");
    let error = gradlab::mnist::parse_images("f", &bytes[..]).unwrap_err();
    assert!(
        matches!(
            error,
            gradlab::mnist::IdxError::WrongLength { found: 0, .. }
        ),
        "{error}"
    );
}

#[test]
fn a_canvas_whose_size_overflows_is_a_named_error() {
    // Found by the draw target in its first minute: width x height x 4
    // overflowed (a multiplication panic with debug assertions; a wrapped,
    // wrong buffer size without).
    let bytes = regression("draw", "size-overflows-usize");
    let width = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
    let height = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    let error = gradlab::draw::ink_from_rgba(&bytes[8..], width, height).unwrap_err();
    assert_eq!(error, gradlab::draw::DrawError::TooLarge { width, height });
    assert!(matches!(
        gradlab::draw::to_mnist(&[], usize::MAX, 2),
        Err(gradlab::draw::DrawError::TooLarge { .. })
    ));
}

#[test]
fn a_pickle_that_copies_its_memo_exponentially_is_refused() {
    // Found by review, then confirmed with the squeezenet_pickle target's
    // binary (libFuzzer: out-of-memory past 2048 MB on this 2 KB file): a
    // 1000-byte string fetched 100 times into a list, that list 100 times
    // into the next, five levels deep, is 10^13 bytes of copies.
    let bytes = regression("squeezenet_pickle", "memo-copy-bomb");
    let error = gradlab::cnn::pickle::read_weights("bomb.pkl", &bytes).unwrap_err();
    assert!(
        matches!(error, gradlab::cnn::pickle::PickleError::Malformed { .. }),
        "{error}"
    );
    assert!(
        error.to_string().contains("its memo copies more than"),
        "{error}"
    );
}

#[test]
fn every_kept_input_is_an_error_or_a_value_never_a_panic() {
    for (name, bytes) in all_regressions("idx_images") {
        let _ = gradlab::mnist::parse_images(&name, &bytes[..]);
    }
    for (name, bytes) in all_regressions("idx_labels") {
        let _ = gradlab::mnist::parse_labels(&name, &bytes);
    }
    for (name, bytes) in all_regressions("pgm") {
        let _ = gradlab::faces::pgm::parse_repairing(&name, &bytes);
        let _ = gradlab::faces::folder::decode_image(&name, &bytes);
    }
    for (name, bytes) in all_regressions("facescrub_line") {
        let _ = gradlab::faces::facescrub::parse_list(&name, &String::from_utf8_lossy(&bytes));
    }
    for (name, bytes) in all_regressions("squeezenet_pickle") {
        let _ = gradlab::cnn::pickle::read_weights(&name, &bytes);
    }
    for (name, bytes) in all_regressions("page_bundle") {
        let _ = gradlab::export::model_from_safetensors(&name, &bytes);
        let _ = gradlab::faces::FaceSet::from_safetensors(&name, &bytes);
        let _ = gradlab::transfer::FeatureSet::from_safetensors(&name, &bytes);
    }
    for (_, bytes) in all_regressions("draw") {
        if bytes.len() >= 8 {
            let width = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
            let height = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
            if let Ok(ink) = gradlab::draw::ink_from_rgba(&bytes[8..], width, height) {
                let _ = gradlab::draw::to_mnist(&ink, width, height);
            }
        }
    }
}

#[test]
fn a_model_whose_image_size_overflows_is_a_named_error() {
    // Found by review, confirmed with the page_bundle target's binary
    // ("attempt to multiply with overflow" in model_from_safetensors): the
    // metadata image_rows = image_cols = 2^32, whose product wraps.
    let bytes = regression("page_bundle", "image-size-overflows");
    let error = gradlab::export::model_from_safetensors("m.safetensors", &bytes).unwrap_err();
    assert!(
        matches!(
            error,
            gradlab::formats::FileError::BadMetadata {
                key: "image_cols",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn a_model_with_no_classes_is_a_named_error() {
    // Found by review: W1 of shape [5, 0] loaded, and the page then
    // "predicted" class 0 of none.
    let bytes = regression("page_bundle", "zero-classes");
    let error = gradlab::export::model_from_safetensors("m.safetensors", &bytes).unwrap_err();
    assert!(
        matches!(&error, gradlab::formats::FileError::WrongShape { name, found, .. } if name == "W1" && found == &vec![5, 0]),
        "{error}"
    );
    assert!(error.to_string().contains("at least 1"), "{error}");
}

#[test]
fn an_empty_canvas_a_billion_pixels_wide_is_no_ink_at_once() {
    // Found by the draw target (a 10 s "slow unit"): width 973,733,888,
    // height 0, no bytes. The buffer check passed (0 = 0) and the search
    // for inked columns then visited every one of the billion columns.
    let bytes = regression("draw", "empty-canvas-a-billion-wide");
    let width = u32::from_le_bytes(bytes[0..4].try_into().unwrap()) as usize;
    let height = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!((width, height), (973_733_888, 0));
    answers_before_a_hang_would(move || {
        let ink = gradlab::draw::ink_from_rgba(&bytes[8..], width, height).unwrap();
        assert_eq!(
            gradlab::draw::to_mnist(&ink, width, height),
            Err(gradlab::draw::DrawError::NoInk)
        );
    });
    // And its twin, which stopped the draw target with a 13 s timeout: 0
    // wide, 0xfd000000 tall.
    let bytes = regression("draw", "empty-canvas-4-billion-tall");
    let height = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
    assert_eq!(height, 0xfd00_0000);
    answers_before_a_hang_would(move || {
        assert_eq!(
            gradlab::draw::to_mnist(&[], 0, height),
            Err(gradlab::draw::DrawError::NoInk)
        );
    });
}

/// Runs `check` and fails if it has not finished within `HANG` seconds. The
/// canvases above took 10 and 13 s to scan before the fix and take
/// microseconds after it: a bound between the two, far from both, tells a
/// regression from a busy machine. (Not a performance test: nothing here
/// measures speed.)
fn answers_before_a_hang_would(check: impl FnOnce() + Send + 'static) {
    const HANG: u64 = 5;
    let (done, finished) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        check();
        let _ = done.send(());
    });
    match finished.recv_timeout(std::time::Duration::from_secs(HANG)) {
        Ok(()) => worker.join().expect("the check passed"),
        // The check itself failed: its panic is the message.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(panic) = worker.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("no answer after {HANG} s: the empty-canvas scan is back")
        }
    }
}

#[test]
fn a_facescrub_name_of_dots_and_white_space_is_one_safe_folder() {
    // Found by the facescrub_line target after 5 minutes: a name of dots, a
    // vertical tab, more dots. `person_folder` trimmed the leading dots, then
    // the white space, which left dots leading again: a hidden folder, and
    // for the name ". .." the parent folder "..", outside the downloads.
    let bytes = regression("facescrub_line", "name-of-dots-and-space");
    let entries = gradlab::faces::facescrub::parse_list("list", &String::from_utf8_lossy(&bytes))
        .expect("the line itself is well formed");
    for entry in &entries {
        let folder = gradlab::faces::facescrub::person_folder(&entry.name);
        assert!(
            !folder.starts_with('.') && !folder.contains('/'),
            "{folder:?}"
        );
        let path = gradlab::faces::facescrub::face_path(std::path::Path::new("downloads"), entry);
        assert!(
            path.components()
                .all(|c| matches!(c, std::path::Component::Normal(_))),
            "{}",
            path.display()
        );
    }
    assert_eq!(gradlab::faces::facescrub::person_folder(". .."), "_");
}
