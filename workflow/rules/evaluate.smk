# Evaluate every run on the test split; compare the configured pair target by target.


rule evaluate:
    input:
        unpack(evaluate_inputs),
    output:
        metrics=report(
            f"{OUT}/evaluate/{{model}}/metrics.tsv",
            caption="../report/evaluate_metrics.rst",
            category="3. Evaluation",
            subcategory="{model}",
            labels={"model": "{model}", "file": "metrics.tsv"},
        ),
        summary=f"{OUT}/evaluate/{{model}}/summary.json",
        predictions=f"{OUT}/evaluate/{{model}}/predictions.h5",
        curves=report(
            f"{OUT}/evaluate/{{model}}/curves.png",
            caption="../report/evaluate_curves.rst",
            category="3. Evaluation",
            subcategory="{model}",
            labels={"model": "{model}", "figure": "ROC and PR curves"},
        ),
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.metrics),
        rc="--rc" if config["evaluate"]["rc_average"] else "--no-rc",
        batch_size=config["evaluate"]["batch_size"],
        precision=lambda wildcards: config["models"][wildcards.model]["precision"],
        device=config["device"],
        truth=lambda wildcards, input: (
            f"--truth {input.truth}" if "truth" in input.keys() else ""
        ),
    log:
        "logs/evaluate/{model}.log",
    benchmark:
        f"{OUT}/benchmarks/evaluate/{{model}}.tsv"
    conda:
        "../envs/danq.yaml"
    threads: config["threads"]
    resources:
        gpu=lambda wildcards: 0 if config["device"] == "cpu" else 1,
    shell:
        "danq evaluate --model {input.model} --data {input.data} -o {params.outdir} {params.rc} "
        "--batch-size {params.batch_size} --device {params.device} "
        "--precision {params.precision} --threads {threads} {params.truth} --no-progress "
        "> {log} 2>&1"


rule compare:
    input:
        baseline=f"{OUT}/evaluate/{COMPARE[0]}/metrics.tsv",
        challenger=f"{OUT}/evaluate/{COMPARE[1]}/metrics.tsv",
    output:
        table=f"{OUT}/compare/comparison.tsv",
        summary=f"{OUT}/compare/comparison.json",
        scatter=report(
            f"{OUT}/compare/comparison.png",
            caption="../report/compare.rst",
            category="2. Comparison",
            labels={"figure": f"{MODEL_LABELS[COMPARE[1]]} vs {MODEL_LABELS[COMPARE[0]]} per target"},
        ),
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.table),
        labels=" ".join(shlex.quote(MODEL_LABELS[run]) for run in COMPARE),
    log:
        "logs/compare/compare.log",
    benchmark:
        f"{OUT}/benchmarks/compare/compare.tsv"
    conda:
        "../envs/danq.yaml"
    threads: 1
    shell:
        "danq compare {input.baseline} {input.challenger} -o {params.outdir} "
        "--labels {params.labels} > {log} 2>&1"
