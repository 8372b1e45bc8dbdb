# The science summary (AUC per category, wins, motif recovery) and training curves (`danq report`).


rule report:
    input:
        unpack(report_inputs),
    output:
        markdown=f"{OUT}/report/summary.md",
        summary=f"{OUT}/report/summary.json",
        categories=report(
            f"{OUT}/report/auc_by_category.tsv",
            caption="../report/auc_by_category.rst",
            category="Comparison",
            labels={"file": "AUC per category"},
        ),
        curves=report(
            f"{OUT}/report/training_curves.png",
            caption="../report/training_curves.rst",
            category="Training",
            labels={"figure": "training curves"},
        ),
    params:
        options=report_options,
        outdir=lambda wildcards, output: os.path.dirname(output.summary),
        note=optional_option("--note", config["note"] or None),
    log:
        "logs/report/report.log",
    benchmark:
        f"{OUT}/benchmarks/report/report.tsv"
    conda:
        "../envs/danq.yaml"
    threads: 1
    shell:
        "danq report {params.options} {params.note} -o {params.outdir} > {log} 2>&1"
