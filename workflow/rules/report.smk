rule report:
    input:
        codebook=config["study"]["codebook"],
        source=rules.validate.output.source,
        item_table=rules.validate.output.clean,
        scores=rules.score.output.scores,
        reliability=rules.score.output.reliability,
        fits=expand(rules.fit.output.fit, model=MODELS),
        effects=[table for m in MODELS for table in effect_tables(m).values()],
        diagnostics=expand(rules.diagnose.output.table, model=MODELS),
        prior_comparison=rules.prior_comparison.output.table if PRIOR_MODELS else [],
        loo=expand(rules.loo_comparison.output.compare, model=LOO_MODELS),
        calibration=(
            [
                rules.sbc_summary.output.uniformity,
                rules.sbc_summary.output.ecdf,
                rules.design_summary.output.power,
            ]
            if config["report"]["calibration"]
            else []
        ),
    output:
        html=report(REPORT, caption="../report/report.rst", category="Report"),
        bib=f"reports/{STUDY}/references.bib",
        markdown=f"reports/{STUDY}/report.md",
        docx=f"reports/{STUDY}/report.docx",
        figures=report(
            directory(f"reports/{STUDY}/figures"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
        tables=report(
            directory(f"reports/{STUDY}/tables"),
            patterns=["{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
        ),
    log:
        f"{LOGS}/report.log",
    benchmark:
        f"{RESULTS}/benchmarks/report.tsv"
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=fit_reader_mb(1000, 2.5),
        runtime=10,
    params:
        inputs=STUDY_INPUTS,
        settings=config["report"],
        models=MODELS,
        effects=[f"{RESULTS}/effects/{m}" for m in MODELS],
        loo_models=LOO_MODELS,
        problems=f"{RESULTS}/validated/problems.csv",
    script:
        "../scripts/report.py"


# Target: `snakemake manuscript` (also made by the default run): the drafted text and the
# APA tables as Word and Markdown beside the HTML report, with figures at 300 dpi.
rule manuscript:
    input:
        rules.report.output.docx,
        rules.report.output.markdown,
        rules.report.output.bib,
