# Variant effects (`danq variant-effect`) of every trained model, then heatmaps and, for the
# synthetic run, how well |effect| separates motif-hitting from neutral variants (`danq variant-report`).
#
# Optional `variants:` config section. With `vcf` and `genome` set, the user's variants are scored;
# otherwise, for the synthetic source with `enabled: true`, `danq simulate-variants` writes a genome
# and a VCF whose variants destroy or create planted motifs, or are neutral (ground truth).

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
            batch_size=VARIANTS.get("batch_size", VARIANT_BATCH_SIZE),
            rc="--rc" if config["evaluate"]["rc_average"] else "--no-rc",
            precision=VARIANTS.get("precision", "fp32"),
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
