rule fit:
    input:
        unpack(model_declaration),
        scores=rules.score.output.scores,
        codebook=config["study"]["codebook"],
        data=config["study"]["file"],
    output:
        fit=f"{RESULTS}/fits/{{model}}.nc",
    log:
        f"{LOGS}/fit/{{model}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/fit/{{model}}.tsv"
    conda:
        "../envs/intersession.yaml"
    threads: fit_threads
    resources:
        mem_mb=fit_memory_mb,
        runtime=fit_runtime_min,
    params:
        inputs=STUDY_INPUTS,
    script:
        "../scripts/fit.py"


rule diagnose:
    input:
        fit=rules.fit.output.fit,
    output:
        table=f"{RESULTS}/diagnostics/{{model}}.csv",
    log:
        f"{LOGS}/diagnose/{{model}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/diagnose/{{model}}.tsv"
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../scripts/diagnose.py"


rule effects:
    input:
        fit=rules.fit.output.fit,
    output:
        **effect_tables(),
    log:
        f"{LOGS}/effects/{{model}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/effects/{{model}}.tsv"
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=fit_reader_mb(1000, 1.5),
        runtime=10,
    params:
        interval=config["report"]["interval"],
        settings=config["effects"],
    script:
        "../scripts/effects.py"
