# Data from the user's own peaks: a genome FASTA + TARGETS.tsv -> train/valid/test splits
# (`danq build-dataset`, DeepSEA's recipe unless data.build says otherwise).


if SOURCE == "peaks":

    rule build_dataset:
        input:
            unpack(build_dataset_inputs),
        output:
            splits=expand(f"{OUT}/data/{{split}}.h5", split=SPLITS),
            summary=f"{OUT}/data/summary.json",
        params:
            outdir=lambda wildcards, output: os.path.dirname(output.summary),
            options=build_dataset_options,
        log:
            "logs/build_dataset/build_dataset.log",
        benchmark:
            f"{OUT}/benchmarks/build_dataset/build_dataset.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq build-dataset --genome {input.genome} --peaks {input.peaks} "
            "-o {params.outdir} {params.options} --no-progress > {log} 2>&1"
