# Ground truth on the synthetic benchmark: attributions and their accuracy on the planted motifs
# (`danq attribute --truth`), TF-MoDISco on them (`danq modisco`) and the grammar experiment for each
# grammar target (`danq marginalize`), for every enabled run. The report shows all three
# (danq/report/interpretation.py). Needs truth.json, so it runs only for data.source: simulate.

wildcard_constraints:
    method="ism|saliency|ig|deeplift-shap",
    target="|".join(GRAMMAR_TARGETS) if GRAMMAR_TARGETS else "none",


rule attribute:
    input:
        model=f"{OUT}/models/{{model}}/best.pt",
        fasta=f"{SIMULATED}/test.fa",
        truth=f"{SIMULATED}/truth.json",
    output:
        attributions=f"{INTERPRET_DIR}/{{model}}/attribute/{{method}}/attributions.h5",
        accuracy=f"{INTERPRET_DIR}/{{model}}/attribute/{{method}}/accuracy.tsv",
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.accuracy),
        limit=INTERPRET["n_sequences"],
        options=lambda wildcards: {
            "ig": f"--n-steps {INTERPRET['ig_steps']}",
            "deeplift-shap": f"--n-shuffles {INTERPRET['shuffles']}",
        }.get(wildcards.method, ""),
        device=config["device"],
    log:
        "logs/interpret/attribute/{model}.{method}.log",
    benchmark:
        f"{OUT}/benchmarks/interpret/attribute/{{model}}.{{method}}.tsv"
    conda:
        "../envs/danq.yaml"
    threads: config["threads"]
    resources:
        gpu=lambda wildcards: 0 if config["device"] == "cpu" else 1,
    shell:
        "danq attribute {input.fasta} --model {input.model} --method {wildcards.method} "
        "--limit {params.limit} --truth {input.truth} {params.options} --device {params.device} "
        "--threads {threads} --no-progress -o {params.outdir} > {log} 2>&1"


rule modisco:
    input:
        attributions=f"{INTERPRET_DIR}/{{model}}/attribute/{INTERPRET['modisco_method']}/attributions.h5",
        truth=f"{SIMULATED}/truth.json",
    output:
        summary=f"{INTERPRET_DIR}/{{model}}/modisco/summary.json",
        tomtom=f"{INTERPRET_DIR}/{{model}}/modisco/tomtom.tsv",
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        max_seqlets=INTERPRET["max_seqlets"],
        release=config["motifs"]["release"],
    log:
        "logs/interpret/modisco/{model}.log",
    benchmark:
        f"{OUT}/benchmarks/interpret/modisco/{{model}}.tsv"
    conda:
        "../envs/danq.yaml"
    threads: config["threads"]
    shell:
        "danq modisco {input.attributions} -o {params.outdir} --truth {input.truth} "
        "--max-seqlets {params.max_seqlets} --release {params.release} --no-logos "
        "--threads {threads} > {log} 2>&1"


rule marginalize:
    input:
        model=f"{OUT}/models/{{model}}/best.pt",
        truth=f"{SIMULATED}/truth.json",
    output:
        summary=f"{INTERPRET_DIR}/{{model}}/marginalize/{{target}}/summary.json",
        table=f"{INTERPRET_DIR}/{{model}}/marginalize/{{target}}/marginalize.tsv",
    params:
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        motifs=lambda wildcards: shlex.quote(",".join(GRAMMAR_TARGETS[wildcards.target])),
        target=lambda wildcards: shlex.quote(f"^{wildcards.target}$"),
        backgrounds=INTERPRET["backgrounds"],
        spacings=shlex.quote(str(INTERPRET["spacings"])),
        orientations=shlex.quote(",".join(INTERPRET["orientations"])),
        device=config["device"],
    log:
        "logs/interpret/marginalize/{model}.{target}.log",
    benchmark:
        f"{OUT}/benchmarks/interpret/marginalize/{{model}}.{{target}}.tsv"
    conda:
        "../envs/danq.yaml"
    threads: config["threads"]
    resources:
        gpu=lambda wildcards: 0 if config["device"] == "cpu" else 1,
    shell:
        "danq marginalize --model {input.model} --motifs {params.motifs} --truth {input.truth} "
        "--targets {params.target} --spacings {params.spacings} "
        "--orientations {params.orientations} --background {params.backgrounds} "
        "--device {params.device} --threads {threads} --no-progress -o {params.outdir} > {log} 2>&1"
