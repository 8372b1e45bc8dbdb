# FASTA + labels -> danq HDF5 dataset, one per split (`danq encode`; single-threaded).


if SOURCE in ("simulate", "fasta"):

    rule encode:
        input:
            unpack(encode_inputs),
        output:
            f"{OUT}/data/{{split}}.h5",
        params:
            options=encode_options,
        log:
            "logs/encode/{split}.log",
        benchmark:
            f"{OUT}/benchmarks/encode/{{split}}.tsv"
        conda:
            "../envs/danq.yaml"
        threads: 1
        shell:
            "danq encode {input.fasta} --labels {input.labels} {params.options} "
            "-o {output} --no-progress > {log} 2>&1"
