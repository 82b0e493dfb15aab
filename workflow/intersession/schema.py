"""Check YAML declarations (config, codebook, models, prior sets) against JSON schemas.

Every violation is reported at once, each naming the key, the value and what is allowed,
with a "did you mean" suggestion for misspelled keys. Defaults declared in the schema are
filled in, so later code never guesses a default of its own.

YAML from users is read by a safe loader that also refuses anchors and aliases (``&a``,
``*a``): a few hundred bytes of nested aliases ("billion laughs") expand to billions of
values for any code that walks them. Declarations are small, so a file over
:data:`MAX_YAML_BYTES` is refused too, and a message lists at most :data:`LISTED`
problems, each value cut to a line.
"""

from __future__ import annotations

import copy
import difflib
import itertools
from importlib import resources
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators

from intersession.errors import InputError

#: Largest YAML declaration read (a codebook of 100 instruments is about 20 KB).
MAX_YAML_BYTES = 1_000_000
#: Problems listed in one message; the rest are counted.
LISTED = 20


class DeclarationError(InputError):
    """A config, codebook, model or prior declaration that does not match its schema."""


class _NoAliasLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses anchors and aliases before building anything."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            kind = "an alias" if isinstance(event, yaml.AliasEvent) else "an anchor"
            raise yaml.composer.ComposerError(
                None,
                None,
                f"{kind} (&name or *name) is not allowed in a declaration; write each value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def short(value, limit: int = 80) -> str:
    """``repr`` of a value from a user's file, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def parse_yaml(text: str, source: str):
    """The data of YAML ``text`` (no object construction, anchors or aliases)."""
    loader = None
    try:
        loader = _NoAliasLoader(text)  # refuses non-printable characters already
        loader.name = source  # marks in messages name the file
        return loader.get_single_data()
    except yaml.YAMLError as err:
        message = str(err)
        if len(message) > 500:
            message = message[:500] + " ..."
        raise DeclarationError(f"{source}: not valid YAML: {message}") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_schema(name: str) -> dict:
    """The packaged schema ``schemas/<name>.schema.yaml``."""
    text = resources.files("intersession").joinpath(f"schemas/{name}.schema.yaml").read_text()
    return yaml.safe_load(text)


def load_yaml(path: str | Path) -> dict:
    """Read a YAML mapping safely (no object construction), naming the file on failure."""
    path = Path(path)
    if path.is_dir():
        raise DeclarationError(f"{path}: is a folder, not a YAML file; give the file's path")
    if not path.is_file():
        raise DeclarationError(
            f"{path}: file not found (relative paths are read from {Path.cwd()})"
        )
    size = path.stat().st_size
    if size > MAX_YAML_BYTES:
        raise DeclarationError(
            f"{path}: {size:,} bytes, more than the {MAX_YAML_BYTES:,} a declaration may "
            "have; check that this is the right file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DeclarationError(
            f"{path}: not UTF-8 text (byte {err.start}); save it as UTF-8"
        ) from None
    data = parse_yaml(text, str(path))
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
        unknown = sorted(map(str, set(error.instance) - set(allowed)))
        parts = []
        if len(unknown) > 5:
            parts.append(f"{len(unknown) - 5} more keys not allowed at '{where}'.")
            unknown = unknown[:5]
        for key in unknown:
            full = short(f"{where}.{key}" if error.absolute_path else key)[1:-1]
            removed = error.schema.get("x-removed", {}).get(key)
            if removed:  # a key earlier versions had: say what replaced it
                parts.append(f"key '{full}' was removed: {removed.strip()}.")
                continue
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
        return f"key '{where}' has value {short(error.instance)}; allowed values: {allowed}"
    if error.validator == "type":
        return (
            f"key '{where}' has value {short(error.instance)} of the wrong type; "
            f"expected {error.validator_value}"
        )
    if error.validator == "pattern":
        explained = error.schema.get("x-pattern-message")
        if explained:
            return f"key '{where}' has value {short(error.instance)}: {explained}"
        return (
            f"key '{where}' has value {short(error.instance)}, which does not match the "
            f"pattern {error.validator_value!r}"
        )
    message = error.message
    if len(message) > 200:  # jsonschema's message repeats the value
        message = f"fails the schema's '{error.validator}' rule ({short(error.validator_value)})"
    return f"key '{where}' has value {short(error.instance)}: {message}"


def check(document: dict, schema_name: str, source: str, properties: dict | None = None) -> dict:
    """Return ``document`` with defaults filled in, or raise listing every violation.
    ``properties`` add to (or replace) the schema's top-level properties: what the family
    registry contributes to the model and prior-set schemas."""
    document = copy.deepcopy(document)
    schema = load_schema(schema_name)
    schema["properties"] = {**schema["properties"], **(properties or {})}
    errors = sorted(
        itertools.islice(_Validator(schema).iter_errors(document), 1000),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        lines = [f"{source}: {len(errors)} problem(s):"]
        lines += [f"  - {_describe(error)}" for error in errors[:LISTED]]
        if len(errors) > LISTED:
            lines.append(f"  ... and {len(errors) - LISTED} more")
        raise DeclarationError("\n".join(lines))
    return document


def check_study_paths(study: dict, source: str) -> None:
    """Refuse a config whose study file or codebook is missing or a folder, in plain words
    naming the config file in use (``source``), before any job starts."""
    problems = []
    for key in ("file", "codebook"):
        path = Path(study[key])
        if path.is_dir():
            problems.append(f"study.{key} is {short(str(path))}, which is a folder, not a file")
        elif not path.is_file():
            problems.append(f"study.{key} is {short(str(path))}, which does not exist")
    if problems:
        raise DeclarationError(
            f"{source}: "
            + "; ".join(problems)
            + f". Correct the path in the config; a relative path is read from the folder "
            f"Snakemake runs in, {Path.cwd()}"
        )
