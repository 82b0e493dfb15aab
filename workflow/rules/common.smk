# Config check at parse time, output paths, and model inputs.
from intersession.model.declaration import model_names
from intersession.schema import check, load_yaml

config = check(config, "config", "config/config.yaml (or --config/--configfile)")

STUDY = config["study"]["name"]
MODELS_DIR = config["models_dir"]
MODELS = model_names(MODELS_DIR, config.get("models"))
RESULTS = f"results/{STUDY}"
LOGS = f"logs/{STUDY}"
REPORT = f"reports/{STUDY}/report.html"


wildcard_constraints:
    model="|".join(MODELS),


def model_declaration(wildcards):
    """The model's YAML and its prior set's YAML (so editing either refits)."""
    path = f"{MODELS_DIR}/{wildcards.model}.yaml"
    priors = load_yaml(path).get("priors", "default")
    return {"declaration": path, "priors": f"{MODELS_DIR}/priors/{priors}.yaml"}


def fit_memory_mb(wildcards, input, attempt):
    """About 1.5 GB for compilation and sampling plus room for larger data; doubles per retry."""
    return (1500 + int(input.size_mb * 50)) * attempt
