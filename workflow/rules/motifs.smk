# First-layer filters -> motifs, matched to JASPAR with TOMTOM (`danq motifs`), for both models.


rule motifs:
    input:
        unpack(evaluate_inputs),
    output:
        meme=f"{OUT}/motifs/{{model}}/motifs.meme",
        filters=f"{OUT}/motifs/{{model}}/filters.tsv",
        tomtom=report(
            f"{OUT}/motifs/{{model}}/tomtom.tsv",
            caption="../report/motifs_tomtom.rst",
            category="4. Motifs",
            subcategory="{model}",
            labels={"model": "{model}", "file": "tomtom.tsv"},
        ),
        summary=f"{OUT}/motifs/{{model}}/summary.json",
        overview=report(
            f"{OUT}/motifs/{{model}}/logos_overview.png",
            caption="../report/motifs_logos.rst",
            category="4. Motifs",
            subcategory="{model}",
            labels={"model": "{model}", "figure": "filter logos vs JASPAR"},
        ),
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        release=config["motifs"]["release"],
        threshold=config["motifs"]["threshold"],
        max_sequences=config["motifs"]["max_sequences"],
        device=config["device"],
        truth=lambda wildcards, input: (
            f"--truth {input.truth}" if "truth" in input.keys() else ""
        ),
    log:
        "logs/motifs/{model}.log",
    benchmark:
        f"{OUT}/benchmarks/motifs/{{model}}.tsv"
    conda:
        "../envs/danq.yaml"
    threads: config["threads"]
    resources:
        gpu=lambda wildcards: 0 if config["device"] == "cpu" else 1,
    shell:
        "danq motifs --model {input.model} --data {input.data} -o {params.outdir} "
        "--release {params.release} --threshold {params.threshold} "
        "--max-sequences {params.max_sequences} --device {params.device} "
        "--threads {threads} {params.truth} --no-progress > {log} 2>&1"
