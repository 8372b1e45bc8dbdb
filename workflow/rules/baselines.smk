# The synthetic benchmark's oracle ceiling, presence-only and PWM-scan baselines beside each model,
# under noisy and clean labels, with the decoy breakdown (`danq baselines`).


if SOURCE == "simulate":

    rule baselines:
        input:
            unpack(baselines_inputs),
        output:
            metrics=f"{OUT}/baselines/all_metrics.tsv",
            decoys=f"{OUT}/baselines/decoys.tsv",
            summary=f"{OUT}/baselines/summary.json",
        params:
            options=baselines_options,
            outdir=lambda wildcards, output: os.path.dirname(output.summary),
        log:
            "logs/baselines/baselines.log",
        benchmark:
            f"{OUT}/benchmarks/baselines/baselines.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq baselines --truth {input.truth} --data {input.data} {params.options} "
            "-o {params.outdir} > {log} 2>&1"
