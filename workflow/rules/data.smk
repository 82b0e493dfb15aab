rule validate:
    input:
        data=config["study"]["file"],
        codebook=config["study"]["codebook"],
    output:
        clean=f"{RESULTS}/validated/items.csv",
        source=f"{RESULTS}/validated/source.json",
    log:
        main=f"{LOGS}/validate.log",
        problems=f"{RESULTS}/validated/problems.csv",
    benchmark:
        f"{RESULTS}/benchmarks/validate.tsv"
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        sheet=config["study"].get("sheet"),
    script:
        "../scripts/validate.py"


rule score:
    input:
        clean=rules.validate.output.clean,
        codebook=config["study"]["codebook"],
    output:
        scores=f"{RESULTS}/scores/scores.csv",
        reliability=f"{RESULTS}/scores/reliability.csv",
    log:
        f"{LOGS}/score.log",
    benchmark:
        f"{RESULTS}/benchmarks/score.tsv"
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/score.py"
