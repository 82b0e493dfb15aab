rule report:
    input:
        codebook=config["study"]["codebook"],
        source=rules.validate.output.source,
        scores=rules.score.output.scores,
        reliability=rules.score.output.reliability,
        fits=expand(rules.fit.output.fit, model=config["models"]),
        parameters=expand(rules.effects.output.parameters, model=config["models"]),
        predictions=expand(rules.effects.output.predictions, model=config["models"]),
        diagnostics=expand(rules.diagnose.output.table, model=config["models"]),
    output:
        html=REPORT,
    log:
        f"{LOGS}/report.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        config=config,
        problems=f"{RESULTS}/validated/problems.csv",
    script:
        "../scripts/report.py"
