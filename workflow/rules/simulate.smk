# Data: the synthetic benchmark (`danq simulate`) or the DeepSEA bundle (`danq import-deepsea`).

if SOURCE == "simulate":
    SIM = config["data"]["simulate"]

    rule simulate:
        output:
            fasta=expand(f"{SIMULATED}/{{split}}.fa", split=SPLITS),
            labels=expand(f"{SIMULATED}/{{split}}.labels.tsv", split=SPLITS),
            targets=f"{SIMULATED}/targets.tsv",
            truth=f"{SIMULATED}/truth.json",
        params:
            outdir=lambda wildcards, output: os.path.dirname(output.targets),
            seed=SIM["seed"],
            n_train=SIM["n_train"],
            n_valid=SIM["n_valid"],
            n_test=SIM["n_test"],
            length=SIM["length"],
            extra=" ".join(
                filter(
                    None,
                    [
                        optional_option("--release", SIM["release"]),
                        optional_option("--config", SIM["config"]),
                    ],
                )
            ),
        log:
            "logs/simulate/simulate.log",
        benchmark:
            f"{OUT}/benchmarks/simulate/simulate.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq simulate -o {params.outdir} --seed {params.seed} --n-train {params.n_train} "
            "--n-valid {params.n_valid} --n-test {params.n_test} --length {params.length} "
            "{params.extra} > {log} 2>&1"


if SOURCE == "deepsea":

    rule import_deepsea:
        input:
            config["data"]["deepsea_dir"],
        output:
            expand(f"{OUT}/data/{{split}}.h5", split=SPLITS),
        params:
            outdir=lambda wildcards, output: os.path.dirname(output[0]),
            names=optional_option("--names", config["data"]["deepsea_names"]),
        log:
            "logs/import_deepsea/import_deepsea.log",
        benchmark:
            f"{OUT}/benchmarks/import_deepsea/import_deepsea.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq import-deepsea {input} -o {params.outdir} {params.names} > {log} 2>&1"
