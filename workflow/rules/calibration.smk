# Simulation-based calibration (target `sbc`) and design analysis (target `design`): on
# demand only, not part of `all`. One job per batch of replicates, so they fan out on a
# cluster; each batch compiles its model once (7 to 15 s) and refits it per replicate, so
# a batch needs one core (and about 0.6 GB): on a laptop, batches run side by side.
from intersession.calibration import plan

SBC = config["sbc"]
plan.check_settings(SBC)
SBC_DIR = f"{RESULTS}/sbc/{plan.run_name(SBC)}"
DESIGN = config["design"]
DESIGN_DIR = f"{RESULTS}/design"
DESIGN_CODEBOOK = DESIGN["codebook"] or config["study"]["codebook"]
DESIGN_BATCHES = [
    f"{DESIGN_DIR}/batches/{size.clients}x{size.sessions}/{batch}.csv"
    for size, batch in plan.jobs(DESIGN)
]


rule sbc_batch:
    input:
        declaration=f"{MODELS_DIR}/{SBC['model']}.yaml",
        priors=lambda wildcards: f"{MODELS_DIR}/priors/{declared_priors(SBC['model'])}.yaml",
        scores=rules.score.output.scores,
        codebook=config["study"]["codebook"],
    output:
        ranks=f"{SBC_DIR}/batches/{{batch}}.csv",
    log:
        f"{LOGS}/sbc/{plan.run_name(SBC)}/{{batch}}.log",
    wildcard_constraints:
        batch=r"\d+",
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        settings=SBC,
        seed=config["seed"],
    script:
        "../scripts/sbc_batch.py"


rule sbc_summary:
    input:
        batches=expand(rules.sbc_batch.output.ranks, batch=plan.batches(SBC)),
    output:
        ranks=f"{SBC_DIR}/ranks.csv",
        uniformity=f"{SBC_DIR}/uniformity.csv",
        ecdf=f"{SBC_DIR}/ecdf.csv",
        figure=f"{SBC_DIR}/ecdf_difference.png",
        figure_svg=f"{SBC_DIR}/ecdf_difference.svg",
    log:
        f"{LOGS}/sbc/{plan.run_name(SBC)}/summary.log",
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        settings=SBC,
        seed=config["seed"],
    script:
        "../scripts/sbc_summary.py"


rule sbc:
    input:
        rules.sbc_summary.output,


rule design_batch:
    input:
        declaration=f"{MODELS_DIR}/{DESIGN['model']}.yaml",
        priors=lambda wildcards: f"{MODELS_DIR}/priors/{declared_priors(DESIGN['model'])}.yaml",
        codebook=DESIGN_CODEBOOK,
    output:
        rows=f"{DESIGN_DIR}/batches/{{clients}}x{{sessions}}/{{batch}}.csv",
    log:
        f"{LOGS}/design/{{clients}}x{{sessions}}/{{batch}}.log",
    wildcard_constraints:
        clients=r"\d+",
        sessions=r"\d+",
        batch=r"\d+",
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    params:
        settings=DESIGN,
        seed=config["seed"],
    script:
        "../scripts/design_batch.py"


rule design_summary:
    input:
        declaration=f"{MODELS_DIR}/{DESIGN['model']}.yaml",
        batches=DESIGN_BATCHES,
        codebook=DESIGN_CODEBOOK,
    output:
        replicates=f"{DESIGN_DIR}/replicates.csv",
        power=f"{DESIGN_DIR}/power.csv",
        figure=f"{DESIGN_DIR}/power.png",
        figure_svg=f"{DESIGN_DIR}/power.svg",
    log:
        f"{LOGS}/design/summary.log",
    conda:
        "../envs/intersession.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        settings=DESIGN,
        seed=config["seed"],
    script:
        "../scripts/design_summary.py"


rule design:
    input:
        rules.design_summary.output,
