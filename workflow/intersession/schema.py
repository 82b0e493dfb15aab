"""Check YAML declarations (config, codebook, models, prior sets) against JSON schemas.

Every violation is reported at once, each naming the key, the value and what is allowed,
with a "did you mean" suggestion for misspelled keys. Defaults declared in the schema are
filled in, so later code never guesses a default of its own.
"""

from __future__ import annotations

import copy
import difflib
from importlib import resources
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators

from intersession.errors import InputError


class DeclarationError(InputError):
    """A config, codebook, model or prior declaration that does not match its schema."""


def load_schema(name: str) -> dict:
    """The packaged schema ``schemas/<name>.schema.yaml``."""
    text = resources.files("intersession").joinpath(f"schemas/{name}.schema.yaml").read_text()
    return yaml.safe_load(text)


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping safely (no object construction), naming the file on failure."""
    path = Path(path)
    if not path.is_file():
        raise DeclarationError(f"{path}: file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise DeclarationError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise DeclarationError(f"{path}: expected a mapping of keys to values at the top level")
    return data


def _with_defaults(validator_class):
    validate_properties = validator_class.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if "default" in sub and key not in instance:
                    instance[key] = copy.deepcopy(sub["default"])
        yield from validate_properties(validator, properties, instance, schema)

    return validators.extend(validator_class, {"properties": set_defaults})


_Validator = _with_defaults(Draft202012Validator)


def _key_path(error) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top level)"


def _describe(error) -> str:
    where = _key_path(error)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed))
        parts = []
        for key in unknown:
            full = f"{where}.{key}" if error.absolute_path else key
            hint = difflib.get_close_matches(key, allowed, n=1)
            suggestion = f" Did you mean '{hint[0]}'?" if hint else ""
            parts.append(
                f"key '{full}' is not allowed; allowed keys here: {', '.join(allowed)}.{suggestion}"
            )
        return " ".join(parts)
    if error.validator == "required":
        return f"{where}: {error.message}"
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"key '{where}' has value {error.instance!r}; allowed values: {allowed}"
    if error.validator == "type":
        return (
            f"key '{where}' has value {error.instance!r} of the wrong type; "
            f"expected {error.validator_value}"
        )
    if error.validator == "pattern":
        return (
            f"key '{where}' has value {error.instance!r}, which does not match the "
            f"pattern {error.validator_value!r}"
        )
    return f"key '{where}' has value {error.instance!r}: {error.message}"


def check(document: dict, schema_name: str, source: str, properties: dict | None = None) -> dict:
    """Return ``document`` with defaults filled in, or raise listing every violation.
    ``properties`` add to (or replace) the schema's top-level properties: what the family
    registry contributes to the model and prior-set schemas."""
    document = copy.deepcopy(document)
    schema = load_schema(schema_name)
    schema["properties"] = {**schema["properties"], **(properties or {})}
    errors = sorted(
        _Validator(schema).iter_errors(document),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        lines = [f"{source}: {len(errors)} problem(s):"]
        lines += [f"  - {_describe(error)}" for error in errors]
        raise DeclarationError("\n".join(lines))
    return document
