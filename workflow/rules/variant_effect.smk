# Variant effects (`danq variant-effect`) of every trained model, then heatmaps and, for the
# synthetic run, how well |effect| separates motif-hitting from neutral variants (`danq variant-report`).
#
# Optional `variants:` config section. With `vcf` and `genome` set, the user's variants are scored;
# otherwise, for the synthetic source with `enabled: true`, `danq simulate-variants` writes a genome
# and a VCF whose variants destroy or create planted motifs, or are neutral (ground truth).

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
    scores = VARIANTS.get("scores") or ["diff", "logit_diff"]
    options = [f"--scores {shlex.quote(','.join(scores))}"]
    if VARIANTS.get("targets"):
        options.append(f"--targets {shlex.quote(str(VARIANTS['targets']))}")
    if VARIANTS.get("background"):
        options.append(f"--background {int(VARIANTS['background'])}")
    return " ".join(options)


def variant_report_inputs(wildcards):
    files = {m: f"{VARIANT_DIR}/{m}/variant_effects.h5" for m in ENABLED_MODELS}
    source = variant_source()
    if source and "truth" in source:
        files["truth"] = source["truth"]
    return files


def variant_report_options(wildcards, input):
    options = [f"--effects {MODEL_LABELS[m]}={input[m]}" for m in ENABLED_MODELS]
    if "truth" in input.keys():
        options.append(f"--truth {input.truth}")
    return " ".join(options)


if variant_source() is not None and "truth" in variant_source():

    rule simulate_variants:
        input:
            truth=f"{SIMULATED}/truth.json",
        output:
            genome=f"{OUT}/data/variants/genome.fa",
            vcf=f"{OUT}/data/variants/variants.vcf",
            truth=f"{OUT}/data/variants/truth.tsv",
        params:
            outdir=lambda wildcards, output: os.path.dirname(output.vcf),
            n_per_class=VARIANTS.get("n_per_class", 100),
            seed=config["data"]["simulate"]["seed"],
        log:
            "logs/variant_effect/simulate_variants.log",
        benchmark:
            f"{OUT}/benchmarks/variant_effect/simulate_variants.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq simulate-variants --truth {input.truth} -o {params.outdir} "
            "--n-per-class {params.n_per_class} --seed {params.seed} > {log} 2>&1"


if variant_source() is not None:

    rule variant_effect:
        input:
            model=f"{OUT}/models/{{model}}/best.pt",
            vcf=variant_source()["vcf"],
            genome=variant_source()["genome"],
        output:
            h5=f"{VARIANT_DIR}/{{model}}/variant_effects.h5",
            skipped=f"{VARIANT_DIR}/{{model}}/skipped.tsv",
        params:
            outdir=lambda wildcards, output: os.path.dirname(output.h5),
            options=variant_effect_options,
            batch_size=VARIANTS.get("batch_size", 64),
            rc="--rc" if config["evaluate"]["rc_average"] else "--no-rc",
            precision=lambda wildcards: config["models"][wildcards.model]["precision"],
            device=config["device"],
        log:
            "logs/variant_effect/{model}.log",
        benchmark:
            f"{OUT}/benchmarks/variant_effect/{{model}}.tsv"
        conda:
            "../envs/danq.yaml"
        threads: config["threads"]
        resources:
            gpu=lambda wildcards: 0 if config["device"] == "cpu" else 1,
        shell:
            "danq variant-effect {input.vcf} --genome {input.genome} --model {input.model} "
            "-o {params.outdir} {params.options} {params.rc} --batch-size {params.batch_size} "
            "--device {params.device} --precision {params.precision} --threads {threads} "
            "--no-progress > {log} 2>&1"

    rule variant_report:
        input:
            unpack(variant_report_inputs),
        output:
            summary=f"{VARIANT_DIR}/report/summary.json",
            heatmaps=report(
                expand(f"{VARIANT_DIR}/report/heatmap_{{label}}.png",
                       label=[MODEL_LABELS[m] for m in ENABLED_MODELS]),
                caption="../report/variant_effect.rst",
                category="Variant effects",
            ),
        params:
            options=variant_report_options,
            outdir=lambda wildcards, output: os.path.dirname(output.summary),
        log:
            "logs/variant_effect/report.log",
        benchmark:
            f"{OUT}/benchmarks/variant_effect/report.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq variant-report {params.options} -o {params.outdir} > {log} 2>&1"
