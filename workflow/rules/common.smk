# Paths and small wiring helpers shared by the rules (no science here: that lives in `danq`).

import shlex

from danq.models.registry import ARCHITECTURES, NAMES
from danq.training.optimizers import OPTIMIZERS
from danq.variants.batches import DEFAULT_BATCH_SIZE as VARIANT_BATCH_SIZE
from danq.variants.scoring import DEFAULT_SCORES

OUT = config["outdir"].rstrip("/")
SPLITS = ["train", "valid", "test"]
ENABLED_MODELS = [name for name, spec in config["models"].items() if spec["enabled"]]
SOURCE = config["data"]["source"]
SIMULATED = f"{OUT}/data/simulated"

for _run, _spec in config["models"].items():
    if _spec["arch"] not in ARCHITECTURES:
        raise ValueError(
            f"config: models.{_run}.arch {_spec['arch']!r} is not an architecture "
            f"(valid: {', '.join(NAMES)})"
        )
    if _spec["optimizer"] is not None and _spec["optimizer"] not in OPTIMIZERS:
        raise ValueError(
            f"config: models.{_run}.optimizer {_spec['optimizer']!r} is not an optimiser "
            f"(valid: {', '.join(OPTIMIZERS)})"
        )
# Figure and report labels: the run's own label, else its architecture's display label.
MODEL_LABELS = {
    run: spec["label"] or ARCHITECTURES[spec["arch"]].label for run, spec in config["models"].items()
}
COMPARE = config["compare"]
for _run in COMPARE:
    if _run not in ENABLED_MODELS:
        raise ValueError(f"config: compare names {_run!r}, which is not an enabled run in models")


wildcard_constraints:
    split="|".join(SPLITS),
    model="|".join(ENABLED_MODELS) if ENABLED_MODELS else "none",


def dataset(split):
    """The danq HDF5 dataset of one split, whatever the data source."""
    return f"{OUT}/data/{split}.h5"


def model_args(model):
    """`--model-arg KEY=VALUE` options for the configured constructor arguments (shell-quoted)."""
    options = []
    for key, value in config["models"][model]["model_args"].items():
        if isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, (list, tuple)):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        options.append(f"--model-arg {shlex.quote(f'{key}={text}')}")
    return " ".join(options)


def optional_option(name, value):
    """`--name value` when value is set, else nothing (so the CLI's own default applies)."""
    return "" if value is None else f"{name} {shlex.quote(str(value))}"


def train_launcher(wildcards):
    """`danq train`, or `torchrun` over all GPUs of the node when the model asks for several."""
    gpus = config["models"][wildcards.model].get("gpus", 1)
    if gpus > 1:
        return f"torchrun --standalone --nproc_per_node {gpus} -m danq train"
    return "danq train"


def gpus_requested(wildcards):
    """GPUs a training job asks the scheduler for: none on CPU."""
    if config["device"] == "cpu":
        return 0
    return config["models"][wildcards.model].get("gpus", 1)


def final_outputs():
    """Everything `snakemake` builds by default."""
    outputs = [f"{OUT}/evaluate/{m}/metrics.tsv" for m in ENABLED_MODELS]
    if config["motifs"]["enabled"]:
        outputs += [f"{OUT}/motifs/{m}/summary.json" for m in ENABLED_MODELS]
    if len(set(COMPARE)) == 2:
        outputs.append(f"{OUT}/compare/comparison.tsv")
    if ENABLED_MODELS:
        outputs.append(f"{OUT}/report/summary.md")
    return outputs


def encode_inputs(wildcards):
    """The FASTA and labels of a split: simulated, or the user's files for source: fasta."""
    if SOURCE == "simulate":
        return {
            "fasta": f"{SIMULATED}/{wildcards.split}.fa",
            "labels": f"{SIMULATED}/{wildcards.split}.labels.tsv",
            "categories": f"{SIMULATED}/targets.tsv",
        }
    files = {
        "fasta": config["data"][wildcards.split]["fasta"],
        "labels": config["data"][wildcards.split]["labels"],
    }
    if config["data"]["categories"]:
        files["categories"] = config["data"]["categories"]
    return files


def encode_options(wildcards, input):
    """`--categories` when a categories file is known, `--length` when one is configured."""
    options = []
    if "categories" in input.keys():
        options.append(f"--categories {shlex.quote(input.categories)}")
    if SOURCE == "fasta" and config["data"]["length"]:
        options.append(f"--length {config['data']['length']}")
    return " ".join(options)


def evaluate_inputs(wildcards):
    """A run's best checkpoint and the test split; on the synthetic benchmark also truth.json,
    so the PR curves show the oracle ceiling and the logos mark planted motifs (evaluate, motifs)."""
    files = {"model": f"{OUT}/models/{wildcards.model}/best.pt", "data": dataset("test")}
    if SOURCE == "simulate":
        files["truth"] = f"{SIMULATED}/truth.json"
    return files


def report_inputs(wildcards):
    """Per enabled model: test metrics, training history and (when run) TOMTOM matches."""
    files = {}
    for model in ENABLED_MODELS:
        files[f"metrics_{model}"] = f"{OUT}/evaluate/{model}/metrics.tsv"
        files[f"curves_{model}"] = f"{OUT}/evaluate/{model}/curves.png"
        files[f"history_{model}"] = f"{OUT}/models/{model}/metrics.csv"
        if config["motifs"]["enabled"]:
            files[f"tomtom_{model}"] = f"{OUT}/motifs/{model}/tomtom.tsv"
            files[f"logos_{model}"] = f"{OUT}/motifs/{model}/logos_overview.png"
    if len(set(COMPARE)) == 2:
        files["scatter"] = f"{OUT}/compare/comparison.png"
    if SOURCE == "simulate":
        files["truth"] = f"{SIMULATED}/truth.json"
        files["baselines"] = f"{OUT}/baselines/summary.json"
    elif PWM_BASELINE:  # baselines.smk: the PWM baseline of real data
        files["baselines"] = f"{OUT}/baselines/summary.json"
    if SOURCE == "peaks":
        files["dataset"] = f"{OUT}/data/summary.json"
    for summary in variant_outputs():  # variant_effect.smk: the variant report, when configured
        files["variants"] = summary
    for model in ENABLED_MODELS:  # interpret.smk: attributions, TF-MoDISco, grammar experiment
        files.update({f"interpret_{model}_{k}": v for k, v in interpret_files(model).items()})
    return files


def baselines_inputs(wildcards):
    """Truth, test dataset and each enabled model's test predictions (`danq evaluate`)."""
    files = {"truth": f"{SIMULATED}/truth.json", "data": dataset("test")}
    for model in ENABLED_MODELS:
        files[f"predictions_{model}"] = f"{OUT}/evaluate/{model}/predictions.h5"
    return files


def baselines_options(wildcards, input):
    """`--predictions LABEL=PATH` per enabled model, labelled as in the report."""
    return " ".join(
        f"--predictions {MODEL_LABELS[model]}={input[f'predictions_{model}']}"
        for model in ENABLED_MODELS
    )


PWM_BASELINE = (config.get("baselines") or {}).get("pwm") or []  # real data: baselines.smk


def pwm_baseline_inputs(wildcards):
    """The test dataset and each enabled model's test predictions, for the PWM baseline."""
    files = {"data": dataset("test")}
    for model in ENABLED_MODELS:
        files[f"predictions_{model}"] = f"{OUT}/evaluate/{model}/predictions.h5"
    return files


def pwm_baseline_options(wildcards, input):
    """`--pwm` per configured value, the JASPAR release and each model's predictions."""
    options = [f"--pwm {shlex.quote(value)}" for value in PWM_BASELINE]
    release = (config.get("baselines") or {}).get("release") or "JASPAR2024"
    options.append(f"--release {shlex.quote(release)}")
    for model in ENABLED_MODELS:
        pair = f"{MODEL_LABELS[model]}={input[f'predictions_{model}']}"
        options.append(f"--predictions {shlex.quote(pair)}")
    return " ".join(options)


def report_options(wildcards, input):
    """LABEL=PATH options for `danq report`, in the order the runs are configured."""
    options = []
    for model in ENABLED_MODELS:
        label = MODEL_LABELS[model]
        options.append(f"--metrics {label}={input[f'metrics_{model}']}")
        options.append(f"--history {label}={input[f'history_{model}']}")
        options.append(f"--curves {label}={input[f'curves_{model}']}")
        if f"tomtom_{model}" in input.keys():
            options.append(f"--tomtom {label}={input[f'tomtom_{model}']}")
            options.append(f"--logos {label}={input[f'logos_{model}']}")
    if "scatter" in input.keys():
        options.append(f"--scatter {input.scatter}")
    if "truth" in input.keys():
        options.append(f"--truth {input.truth}")
    if "baselines" in input.keys():
        options.append(f"--baselines {os.path.dirname(input.baselines)}")
    if "dataset" in input.keys():
        options.append(f"--dataset-summary {input.dataset}")
    if "variants" in input.keys():
        options.append(f"--variant-summary {input.variants}")
    for model in ENABLED_MODELS:  # interpret.smk: the run's interpretation folder
        if interpret_files(model):
            options.append(f"--interpretation {MODEL_LABELS[model]}={OUT}/interpret/{model}")
    return " ".join(options)


def build_dataset_inputs(wildcards):
    """Genome, targets-and-peaks table and (when set) blacklist of source: peaks."""
    data = config["data"]
    files = {"genome": data["genome"], "peaks": data["targets"]}
    if data["build"]["blacklist"]:
        files["blacklist"] = data["build"]["blacklist"]
    return files


def build_dataset_options(wildcards, input):
    """`danq build-dataset` options from data.build (unset ones keep the CLI's DeepSEA defaults)."""
    build = config["data"]["build"]
    options = [
        optional_option("--bin-size", build["bin_size"]),
        optional_option("--window", build["window"]),
        optional_option("--require-category", build["require_category"]),
        optional_option("--background-ratio", build["background_ratio"]),
        optional_option("--seed", build["seed"]),
        optional_option("--valid", build["valid"]),
        optional_option("--test", build["test"]),
        optional_option("--chroms", build["chroms"]),
        optional_option("--max-n-fraction", build["max_n_fraction"]),
    ]
    if "blacklist" in input.keys():
        options.append(f"--blacklist {shlex.quote(input.blacklist)}")
    if build["match_gc"]:
        options.append("--match-gc")
    if build["both_strands"]:
        options.append("--both-strands")
    return " ".join(o for o in options if o)


# Variant effects (variant_effect.smk): the optional `variants:` section of the config.

VARIANTS = config.get("variants") or {}
VARIANT_DIR = f"{OUT}/variant_effect"


def variant_source():
    """The VCF and genome to score: the user's, the simulated ground truth, or None (off)."""
    if VARIANTS.get("vcf") and VARIANTS.get("genome"):
        return {"vcf": VARIANTS["vcf"], "genome": VARIANTS["genome"]}
    if VARIANTS.get("enabled", False) and SOURCE == "simulate":
        return {"vcf": f"{OUT}/data/variants/variants.vcf",
                "genome": f"{OUT}/data/variants/genome.fa",
                "truth": f"{OUT}/data/variants/truth.tsv"}
    return None


def variant_outputs():
    """The variant report when variant effects are configured, else nothing."""
    if variant_source() is None or not ENABLED_MODELS:
        return []
    return [f"{VARIANT_DIR}/report/summary.json"]


def variant_effect_options(wildcards):
    """`--scores`, `--targets`, `--background` as configured (the CLI's defaults otherwise)."""
    scores = VARIANTS.get("scores") or DEFAULT_SCORES
    options = [f"--scores {shlex.quote(','.join(scores))}"]
    if VARIANTS.get("targets"):
        options.append(f"--targets {shlex.quote(str(VARIANTS['targets']))}")
    if VARIANTS.get("background"):
        options.append(f"--background {int(VARIANTS['background'])}")
    return " ".join(options)


def variant_report_inputs(wildcards):
    """Each enabled model's variant_effects.h5, and the ground truth when variants are simulated."""
    files = {m: f"{VARIANT_DIR}/{m}/variant_effects.h5" for m in ENABLED_MODELS}
    source = variant_source()
    if source and "truth" in source:
        files["truth"] = source["truth"]
    return files


def variant_report_options(wildcards, input):
    """`--effects LABEL=PATH` per enabled model (labelled as in the report), `--truth` if known."""
    options = [f"--effects {MODEL_LABELS[m]}={input[m]}" for m in ENABLED_MODELS]
    if "truth" in input.keys():
        options.append(f"--truth {input.truth}")
    return " ".join(options)


TRACKS = config.get("predict_tracks") or {}
TRACK_DIR = f"{OUT}/tracks"


def track_genome():
    """The FASTA of predict_tracks: its genome, else data.genome (peaks source), else
    variants.genome; a config error naming the key when none is set."""
    genome = TRACKS.get("genome") or (config["data"].get("genome") if SOURCE == "peaks" else None)
    genome = genome or VARIANTS.get("genome")
    if not genome:
        raise ValueError("config: predict_tracks.enabled needs predict_tracks.genome (a FASTA)")
    return genome


def track_outputs():
    """One track folder per enabled run when predict_tracks is enabled, else nothing."""
    if not TRACKS.get("enabled", False) or not ENABLED_MODELS:
        return []
    return [f"{TRACK_DIR}/{m}" for m in ENABLED_MODELS]


def track_options(wildcards):
    """`danq predict --tile` options of predict_tracks (region, step, format, targets)."""
    options = [
        f"--tile {shlex.quote(str(TRACKS.get('region', 'chr22')))}",
        f"--step {int(TRACKS.get('step', 200))}",
        f"--format {TRACKS.get('format', 'bigwig')}",
        f"--batch-size {int(TRACKS.get('batch_size', 256))}",
        optional_option("--targets", TRACKS.get("targets")),
    ]
    return " ".join(o for o in options if o)


# Ground truth of the synthetic benchmark (interpret.smk): attributions, TF-MoDISco, grammar.

INTERPRET = config["interpret"]
INTERPRET_DIR = f"{OUT}/interpret"
# Architectures holding an LSTM: DeepLIFT/SHAP has no rule through it (danq attribute refuses them).
RECURRENT_ARCHS = {"danq", "danq-jaspar"}


def grammar_targets():
    """Grammar targets of the simulation, name -> [motif A, motif B] (TF names or matrix IDs), read
    from the same parameters `danq simulate` plants (data.simulate.config, else danq's defaults)."""
    from danq.simulation.config import SimulationParams, load_config, params_from_mapping

    path = config["data"]["simulate"]["config"]
    params = params_from_mapping(load_config(path), source=path) if path else SimulationParams()
    return {t["name"]: list(t["motifs"]) for t in params.targets
            if t.get("category") == "grammar" and len(t["motifs"]) == 2}


INTERPRET_ON = bool(INTERPRET["enabled"]) and SOURCE == "simulate" and bool(ENABLED_MODELS)
GRAMMAR_TARGETS = grammar_targets() if INTERPRET_ON and INTERPRET["marginalize"] else {}


def interpret_methods(model):
    """The configured attribution methods a run can take (DeepLIFT/SHAP only without an LSTM)."""
    arch = config["models"][model]["arch"]
    return [m for m in INTERPRET["methods"]
            if not (m == "deeplift-shap" and arch in RECURRENT_ARCHS)]


def interpret_files(model):
    """What the report reads of a run's interpretation (empty when the stage is off)."""
    if not INTERPRET_ON:
        return {}
    base = f"{INTERPRET_DIR}/{model}"
    files = {f"accuracy_{m}": f"{base}/attribute/{m}/accuracy.tsv" for m in interpret_methods(model)}
    if INTERPRET["modisco"]:
        files["modisco"] = f"{base}/modisco/summary.json"
    for target in GRAMMAR_TARGETS:
        files[f"marginalize_{target}"] = f"{base}/marginalize/{target}/summary.json"
    return files
