# Config check at parse time, output paths, and model inputs.
from pathlib import Path

from intersession.model.declaration import bench_models, model_names, prior_set_names
from intersession.schema import check, load_yaml

config = check(config, "config", "config/config.yaml (or --config/--configfile)")

STUDY = config["study"]["name"]
MODELS_DIR = config["models_dir"]
MODELS = model_names(MODELS_DIR, config.get("models"))
RESULTS = f"results/{STUDY}"
LOGS = f"logs/{STUDY}"
REPORT = f"reports/{STUDY}/report.html"
PRIOR_SETS = prior_set_names(MODELS_DIR, config["prior_grid"]["prior_sets"])
PRIOR_MODELS = bench_models(
    MODELS_DIR, MODELS, config["prior_grid"]["models"], "prior_grid"
)
LOO_MODELS = bench_models(MODELS_DIR, MODELS, config["loo"]["models"], "loo")
LOO_VARIANTS = config["loo"]["variants"]


wildcard_constraints:
    model="|".join(MODELS),
    kind="priors|variants",


def declared_priors(model):
    return load_yaml(f"{MODELS_DIR}/{model}.yaml").get("priors", "default")


def model_declaration(wildcards):
    """The model's YAML and its prior set's YAML (so editing either refits)."""
    priors = declared_priors(wildcards.model)
    if wildcards.get("kind") == "priors":
        priors = wildcards.name
    return {
        "declaration": f"{MODELS_DIR}/{wildcards.model}.yaml",
        "priors": f"{MODELS_DIR}/priors/{priors}.yaml",
    }


def grid_fit(model, prior_set):
    """A cell of the prior grid: the model's own fit under its declared prior set."""
    if prior_set == declared_priors(model):
        return f"{RESULTS}/fits/{model}.nc"
    return f"{RESULTS}/bench/priors/{model}/{prior_set}.nc"


def fit_memory_mb(wildcards, input, attempt):
    """About 1.5 GB for compilation and sampling plus room for larger data; doubles per retry."""
    return (1500 + int(input.size_mb * 50)) * attempt


def fit_runtime_min(wildcards, input, attempt):
    """Minutes a fit may take: 30, plus 3 per MB of input (a 200,000-row study's scores are
    about 15 MB); doubles per retry."""
    return int(30 + 3 * input.size_mb) * attempt
