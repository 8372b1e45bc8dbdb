# Train every enabled run on the same splits (`danq train`; `torchrun` for several GPUs).


rule train:
    input:
        train=dataset("train"),
        valid=dataset("valid"),
    output:
        best=f"{OUT}/models/{{model}}/best.pt",
        last=f"{OUT}/models/{{model}}/last.pt",
        history=report(
            f"{OUT}/models/{{model}}/metrics.csv",
            caption="../report/training_history.rst",
            category="5. Training",
            subcategory="{model}",
            labels={"model": "{model}", "file": "metrics.csv"},
        ),
    params:
        launcher=train_launcher,
        arch=lambda wildcards: config["models"][wildcards.model]["arch"],
        outdir=lambda wildcards, output: os.path.dirname(output.best),
        epochs=lambda wildcards: config["models"][wildcards.model]["epochs"],
        batch_size=lambda wildcards: config["models"][wildcards.model]["batch_size"],
        patience=lambda wildcards: config["models"][wildcards.model]["patience"],
        precision=lambda wildcards: config["models"][wildcards.model]["precision"],
        seed=lambda wildcards: config["models"][wildcards.model]["seed"],
        lr=lambda wildcards: optional_option("--lr", config["models"][wildcards.model]["lr"]),
        optimizer=lambda wildcards: optional_option(
            "--optimizer", config["models"][wildcards.model]["optimizer"]
        ),
        model_args=lambda wildcards: model_args(wildcards.model),
        validation=lambda wildcards: " ".join(
            optional_option(option, config["models"][wildcards.model].get(key))
            for option, key in (("--validate-every", "validate_every"),
                                ("--valid-samples", "valid_samples"))
        ).strip(),
        device=config["device"],
        # torchrun starts one process per GPU; the job's CPUs (threads) are shared among them.
        rank_threads=lambda wildcards, threads: max(
            1, threads // max(1, config["models"][wildcards.model].get("gpus", 1))
        ),
    log:
        "logs/train/{model}.log",
    benchmark:
        f"{OUT}/benchmarks/train/{{model}}.tsv"
    conda:
        "../envs/danq.yaml"
    threads: config["threads"]
    resources:
        gpu=gpus_requested,
    shell:
        "{params.launcher} --arch {params.arch} --train {input.train} --valid {input.valid} "
        "-o {params.outdir} --epochs {params.epochs} --batch-size {params.batch_size} "
        "--patience {params.patience} --seed {params.seed} {params.optimizer} {params.lr} {params.model_args} "
        "{params.validation} "
        "--device {params.device} --precision {params.precision} --threads {params.rank_threads} "
        "--overwrite --no-progress > {log} 2>&1"
