# Each fit's posterior draws and tables in files R and spreadsheets read directly.


rule export_fit:
    input:
        fit=rules.fit.output.fit,
        diagnostics=rules.diagnose.output.table,
        effects=[
            rules.effects.output.parameters,
            rules.effects.output.predictions,
            rules.effects.output.slopes,
            rules.effects.output.floodlight,
            rules.effects.output.johnson_neyman,
            rules.effects.output.indirect,
            rules.effects.output.prior_predictive,
            rules.effects.output.sensitivity,
        ],
    output:
        folder=directory(f"{RESULTS}/export/{{model}}"),
    log:
        f"{LOGS}/export/{{model}}.log",
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=fit_reader_mb(1000, 2.5),
        runtime=10,
    script:
        "../scripts/export.py"


# Target: `snakemake export` writes results/<study>/export/<model>/ for every model.
rule export:
    input:
        expand(rules.export_fit.output.folder, model=MODELS),
