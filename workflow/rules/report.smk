rule report:
    input:
        codebook=config["study"]["codebook"],
        source=rules.validate.output.source,
        scores=rules.score.output.scores,
        reliability=rules.score.output.reliability,
        fits=expand(rules.fit.output.fit, model=MODELS),
        parameters=expand(rules.effects.output.parameters, model=MODELS),
        effects=expand(
            [
                rules.effects.output.predictions,
                rules.effects.output.slopes,
                rules.effects.output.floodlight,
                rules.effects.output.johnson_neyman,
                rules.effects.output.indirect,
                rules.effects.output.prior_predictive,
                rules.effects.output.sensitivity,
            ],
            model=MODELS,
        ),
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
        config=config,
        models=MODELS,
        loo_models=LOO_MODELS,
        problems=f"{RESULTS}/validated/problems.csv",
    script:
        "../scripts/report.py"
