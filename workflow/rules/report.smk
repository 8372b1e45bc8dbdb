# The science summary (AUC per category, wins, motif recovery) and training curves (`danq report`).

# Cheap rules (seconds, little memory) run on the submitting host, not as cluster jobs.
localrules:
    all,
    compare,
    report,
    variant_report,



rule report:
    input:
        unpack(report_inputs),
    output:
        # The results page comes first in the Snakemake report ("1. ..." sorts first) and, being
        # HTML, renders inside it; so do the tables (an HTML rendering of summary.md's tables).
        page=report(
            f"{OUT}/report/report.html",
            caption="../report/results_page.rst",
            category="1. Results",
            labels={"page": "verdict, tables and figures"},
        ),
        tables=report(
            f"{OUT}/report/tables.html",
            caption="../report/auc_by_category.rst",
            category="1. Results",
            labels={"page": "tables only"},
        ),
        markdown=f"{OUT}/report/summary.md",
        # The answer and the goals as an HTML fragment: the start page of `snakemake --report`
        # (report/workflow.rst) shows it, so the report opens on the results.
        verdict=f"{OUT}/report/verdict.html",
        summary=f"{OUT}/report/summary.json",
        categories=f"{OUT}/report/auc_by_category.tsv",
        curves=report(
            f"{OUT}/report/training_curves.png",
            caption="../report/training_curves.rst",
            category="5. Training",
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
