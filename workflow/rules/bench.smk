# The methodologist's bench: refits under other prior sets and as variants, compared.


rule fit_variant:
    input:
        unpack(model_declaration),
        scores=rules.score.output.scores,
        codebook=config["study"]["codebook"],
        data=config["study"]["file"],
    output:
        fit=f"{RESULTS}/bench/variants/{{model}}/{{name}}.nc",
    log:
        f"{LOGS}/bench/variants/{{model}}/{{name}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/bench/variants/{{model}}/{{name}}.tsv"
    conda:
        "../envs/intersession.yaml"
    threads: fit_threads
    resources:
        mem_mb=fit_memory_mb,
        runtime=fit_runtime_min,
    params:
        inputs=STUDY_INPUTS,
        variant=lambda wildcards: wildcards.name,
    script:
        "../scripts/fit.py"


# One job per model of the prior grid fits it under every other prior set: prior constants
# are data, so the model is compiled once (the declared set's fit is the model's own).
for grid_model in PRIOR_MODELS:
    if not grid_sets(grid_model):
        continue

    rule:
        name:
            f"prior_grid_{grid_model}"
        input:
            declaration=f"{MODELS_DIR}/{grid_model}.yaml",
            priors=[f"{MODELS_DIR}/priors/{p}.yaml" for p in grid_sets(grid_model)],
            scores=rules.score.output.scores,
            codebook=config["study"]["codebook"],
            data=config["study"]["file"],
        output:
            fits=[grid_fit(grid_model, p) for p in grid_sets(grid_model)],
        log:
            f"{LOGS}/bench/priors/{grid_model}.log",
        benchmark:
            f"{RESULTS}/benchmarks/bench/priors/{grid_model}.tsv"
        conda:
            "../envs/intersession.yaml"
        threads: fit_threads
        resources:
            mem_mb=fit_memory_mb,
            runtime=grid_runtime_min(len(grid_sets(grid_model))),
        params:
            inputs=STUDY_INPUTS,
            model=grid_model,
            prior_sets=grid_sets(grid_model),
        script:
            "../scripts/prior_grid.py"


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
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        cells=[(m, p) for m in PRIOR_MODELS for p in PRIOR_SETS],
        interval=config["report"]["interval"],
        inputs=STUDY_INPUTS,
    script:
        "../scripts/prior_comparison.py"


rule loo_comparison:
    input:
        base=rules.fit.output.fit,
        variants=lambda wildcards: expand(
            rules.fit_variant.output.fit,
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
        "../envs/intersession.yaml"
    threads: config["sampler"]["chains"]  # exact refits of observations with high Pareto k
    resources:
        mem_mb=fit_reader_mb(1000, 2.5),
        runtime=60,
    params:
        variants=LOO_VARIANTS,
        inputs=STUDY_INPUTS,
        k_threshold=config["loo"]["k_threshold"],
    script:
        "../scripts/loo_comparison.py"
