# Config check at parse time, output paths, and model inputs.
import os
from pathlib import Path

from intersession.data.read import count_rows
from intersession.errors import exit_on_input_error
from intersession.inference.pointwise import pointwise_plan
from intersession.model.declaration import bench_models, model_names, prior_set_names
from intersession.outputs import EFFECT_TABLES
from intersession.schema import check, check_study_paths, load_yaml


def config_source():
    """The config files in use, as messages name them: --configfile files (over the
    Snakefile's config/config.yaml), and whether --config overrides keys."""
    given = [Path(p).absolute() for p in workflow.config_settings.configfiles]
    cli = [os.path.relpath(p) for p in given]
    own = [
        os.path.relpath(p)
        for p in workflow.configfiles
        if Path(p).absolute() not in given
    ]
    source = " + ".join(cli or own) or "the config"
    if cli and own:
        source += f" (over {' + '.join(own)})"
    if workflow.config_settings.config:
        source += " with --config values"
    return source


CONFIG_SOURCE = config_source()

with exit_on_input_error():
    for path in workflow.configfiles:
        load_yaml(
            path
        )  # refuses aliases: a config bomb stops here, not in the schema check
    config = check(config, "config", CONFIG_SOURCE)
    check_study_paths(config["study"], CONFIG_SOURCE)
    STUDY = config["study"]["name"]
    MODELS_DIR = config["models_dir"]
    MODELS = model_names(MODELS_DIR, config.get("models"))
    RESULTS = f"results/{STUDY}"
    LOGS = f"logs/{STUDY}"
    REPORT = f"reports/{STUDY}/report.html"
    PRIOR_MODELS = bench_models(
        MODELS_DIR, MODELS, config["prior_grid"]["models"], "prior_grid"
    )
    # the prior sets' files are needed only when the prior grid has models to refit
    PRIOR_SETS = (
        prior_set_names(MODELS_DIR, config["prior_grid"]["prior_sets"])
        if PRIOR_MODELS
        else []
    )
    LOO_MODELS = bench_models(MODELS_DIR, MODELS, config["loo"]["models"], "loo")
    LOO_VARIANTS = config["loo"]["variants"]
    #: What every fit and every step reading fits shares (inference.record.StudyInputs):
    #: a change of any of these reruns the fits (Snakemake's params trigger).
    STUDY_INPUTS = {
        "models_dir": MODELS_DIR,
        "codebook": config["study"]["codebook"],
        "data_file": config["study"]["file"],
        "sampler": config["sampler"],
        "seed": config["seed"],
    }


wildcard_constraints:
    model="|".join(MODELS),


def effect_tables(model="{model}"):
    """The effects step's tables of ``model`` (a wildcard by default), by name."""
    return {name: f"{RESULTS}/effects/{model}/{name}.csv" for name in EFFECT_TABLES}


def declared_priors(model):
    return load_yaml(f"{MODELS_DIR}/{model}.yaml").get("priors", "default")


def model_declaration(wildcards):
    """The model's YAML and its prior set's YAML (so editing either refits)."""
    return {
        "declaration": f"{MODELS_DIR}/{wildcards.model}.yaml",
        "priors": f"{MODELS_DIR}/priors/{declared_priors(wildcards.model)}.yaml",
    }


def grid_fit(model, prior_set):
    """A cell of the prior grid: the model's own fit under its declared prior set."""
    if prior_set == declared_priors(model):
        return f"{RESULTS}/fits/{model}.nc"
    return f"{RESULTS}/bench/priors/{model}/{prior_set}.nc"


def grid_sets(model):
    """The prior grid's sets for ``model`` other than its declared one."""
    return [p for p in PRIOR_SETS if p != declared_priors(model)]


def study_rows():
    """Rows of the study file (one per client and session), read without parsing it, so
    that jobs are sized before validation has written anything (a dry run on a fresh
    clone). Cached per parse of the workflow."""
    if "rows" not in _STUDY_ROWS:
        _STUDY_ROWS["rows"] = count_rows(config["study"]["file"])
    return _STUDY_ROWS["rows"]


_STUDY_ROWS = {}


#: Rows below which a fit takes one thread: sampling is then a second of a fit whose
#: (single-threaded) compilation takes 8-10 s, so two fits side by side finish sooner.
SMALL_FIT_ROWS = 2000


# The fit's sizes take no ``input`` argument: Snakemake (9.0, at least) defers a function
# that asks for input to run time while that input is still to be made (scores.csv on a
# fresh clone), and a dry run then shows threads and resources as <TBD>.
def fit_threads(wildcards):
    """One per chain, or one for a study under SMALL_FIT_ROWS rows."""
    if study_rows() < SMALL_FIT_ROWS:
        return 1
    return config["sampler"]["chains"]


def grid_runtime_min(sets):
    """Minutes for a prior grid job: a fit's per set (one compilation for all)."""
    return lambda wildcards, attempt: sets * fit_runtime_min(wildcards, attempt)


def fit_memory_mb(wildcards, attempt):
    """Sampling and the pointwise groups: 1 GB plus 35 bytes per pointwise value (rows x
    kept draws). Measured (benchmarks/results/scaling.md): 19 bytes per value from 1,000 to
    50,000 rows, 37 at 200,000 rows (8.2 GB, with 20,000 clients' effects). Doubles per
    retry."""
    sampler = config["sampler"]
    rows = study_rows()
    values = rows * pointwise_plan(rows, sampler["chains"], sampler["draws"])["draws"]
    return int(1000 + 35 * values / 1e6) * attempt


def fit_runtime_min(wildcards, attempt):
    """Minutes: 30 plus 1 per 2,000 rows (a 50,000-row fit took 4.4 minutes on 2 cores).
    Doubles per retry."""
    return int(30 + study_rows() / 2000) * attempt


def fit_reader_mb(base_mb, per_fit):
    """Memory of a job reading fits: ``base_mb`` plus ``per_fit`` x the largest input fit
    file's MB (measured peak / largest fit from 20,000 to 200,000 rows: LOO 1.0-2.3,
    report 1.1-2.3, effects up to 1.2). Doubles per retry."""

    def estimate(wildcards, input, attempt):
        sizes = [
            os.path.getsize(f)
            for f in input
            if str(f).endswith(".nc") and os.path.exists(f)
        ]
        return int(base_mb + per_fit * max(sizes, default=0) / 2**20) * attempt

    return estimate
