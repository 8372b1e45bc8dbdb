# Genome tracks (`danq predict --tile`): every enabled run scores a region of a genome in bins and
# writes one bigWig (or bedGraph) per target, for a genome browser.
#
# Optional `predict_tracks:` config section, off by default:
#   predict_tracks: {enabled: true, region: chr22, step: 200, targets: DNase}
# The genome is predict_tracks.genome, else data.genome (peaks source), else variants.genome
# (track_genome in common.smk).

if track_outputs():

    rule predict_tracks:
        input:
            model=f"{OUT}/models/{{model}}/best.pt",
            genome=track_genome(),
        output:
            directory(f"{TRACK_DIR}/{{model}}"),
        params:
            options=track_options,
            rc="--rc" if config["evaluate"]["rc_average"] else "--no-rc",
            precision=lambda wildcards: config["models"][wildcards.model]["precision"],
            device=config["device"],
        log:
            "logs/predict/{model}_tracks.log",
        benchmark:
            f"{OUT}/benchmarks/predict/{{model}}_tracks.tsv"
        conda:
            "../envs/danq.yaml"
        threads: config["threads"]
        resources:
            gpu=lambda wildcards: 0 if config["device"] == "cpu" else 1,
        shell:
            "danq predict --model {input.model} --genome {input.genome} {params.options} "
            "-o {output} {params.rc} --device {params.device} --precision {params.precision} "
            "--threads {threads} --no-progress > {log} 2>&1"
