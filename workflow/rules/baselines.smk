# Reference scores beside each model (`danq baselines`). The synthetic benchmark: oracle ceiling,
# presence-only, marginal and PWM-scan baselines under noisy and clean labels, with the decoy
# breakdown. Real data (fasta / peaks / deepsea): a PWM baseline when `baselines: pwm:` names
# JASPAR IDs.


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


if SOURCE != "simulate" and PWM_BASELINE:

    rule pwm_baseline:
        input:
            unpack(pwm_baseline_inputs),
        output:
            metrics=f"{OUT}/baselines/all_metrics.tsv",
            summary=f"{OUT}/baselines/summary.json",
        params:
            options=pwm_baseline_options,
            outdir=lambda wildcards, output: os.path.dirname(output.summary),
        log:
            "logs/baselines/pwm_baseline.log",
        benchmark:
            f"{OUT}/benchmarks/baselines/pwm_baseline.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq baselines --data {input.data} {params.options} -o {params.outdir} > {log} 2>&1"
