# The methodologist's bench: refits under other prior sets and as variants, compared.


rule fit_bench:
    input:
        unpack(model_declaration),
        scores=rules.score.output.scores,
        codebook=config["study"]["codebook"],
        data=config["study"]["file"],
    output:
        fit=f"{RESULTS}/bench/{{kind}}/{{model}}/{{name}}.nc",
    log:
        f"{LOGS}/bench/{{kind}}/{{model}}/{{name}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/bench/{{kind}}/{{model}}/{{name}}.tsv"
    conda:
        "../../environment.yml"
    threads: fit_threads
    resources:
        mem_mb=fit_memory_mb,
        runtime=fit_runtime_min,
    params:
        sampler=config["sampler"],
        seed=config["seed"],
        models_dir=MODELS_DIR,
        priors=lambda wildcards: wildcards.name if wildcards.kind == "priors" else None,
        variant=lambda wildcards: (
            wildcards.name if wildcards.kind == "variants" else None
        ),
    script:
        "../scripts/fit.py"


rule prior_comparison:
    input:
        fits=[grid_fit(m, p) for m in PRIOR_MODELS for p in PRIOR_SETS],
        codebook=config["study"]["codebook"],
        data=config["study"]["file"],
    output:
        table=f"{RESULTS}/bench/prior_comparison.csv",
    log:
        f"{LOGS}/bench/prior_comparison.log",
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cells=[(m, p) for m in PRIOR_MODELS for p in PRIOR_SETS],
        interval=config["report"]["interval"],
        models_dir=MODELS_DIR,
        sampler=config["sampler"],
        seed=config["seed"],
    script:
        "../scripts/prior_comparison.py"


rule loo_comparison:
    input:
        base=rules.fit.output.fit,
        variants=lambda wildcards: expand(
            rules.fit_bench.output.fit,
            kind="variants",
            model=wildcards.model,
            name=LOO_VARIANTS,
        ),
        scores=rules.score.output.scores,
        codebook=config["study"]["codebook"],
        data=config["study"]["file"],
        declaration=f"{MODELS_DIR}/{{model}}.yaml",
    output:
        loo=f"{RESULTS}/bench/loo/{{model}}/loo.csv",
        compare=f"{RESULTS}/bench/loo/{{model}}/compare.csv",
        pareto_k=f"{RESULTS}/bench/loo/{{model}}/pareto_k.csv",
    log:
        f"{LOGS}/bench/loo/{{model}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/bench/loo/{{model}}.tsv"
    conda:
        "../../environment.yml"
    threads: config["sampler"]["chains"]  # exact refits of observations with high Pareto k
    resources:
        mem_mb=fit_reader_mb(1000, 2.5),
        runtime=60,
    params:
        variants=LOO_VARIANTS,
        models_dir=lambda wildcards, input: str(Path(input.declaration).parent),
        sampler=config["sampler"],
        seed=config["seed"],
        k_threshold=config["loo"]["k_threshold"],
    script:
        "../scripts/loo_comparison.py"
