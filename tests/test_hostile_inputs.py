"""Hostile inputs, generated with hypothesis: every study file, codebook, config and model
declaration either works or is refused with an :class:`InputError` naming the file (never
another exception, a hang, code run from the input, or a write outside the output
folder), and no string from the user's files reaches the report as markup.

Each property runs ``max_examples`` generated cases (see :data:`EXAMPLES`); a case that
takes longer than :data:`HANG_S` fails as a hang.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import signal
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intersession import steps
from intersession.data.codebook import load_codebook
from intersession.data.read import MAX_COLUMNS, StudyFileError
from intersession.errors import InputError
from intersession.inference.record import StudyInputs
from intersession.model.build import prepare
from intersession.model.declaration import bench_models, load_model, model_names
from intersession.schema import check, load_yaml
from tests.conftest import DEFAULT_STUDY, ROOT

#: Generated cases per property in one run of the suite.
EXAMPLES = 100
#: Seconds after which one case counts as a hang.
HANG_S = 30
CASES = settings(
    max_examples=EXAMPLES,
    deadline=None,  # timing is checked by hang_guard, which a noisy machine cannot fool
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
CANARY = Path(tempfile.gettempdir()) / "intersession-canary"

#: Values a collaborator's file may hold: numbers out of any range, non-finite numbers,
#: spreadsheet formulas, markup, paths, code, control characters and plain junk.
HOSTILE = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "Infinity",
    "1e308",
    "-1e308",
    "1e-320",
    "9" * 400,
    "0x1F",
    "1,5",
    "\u22123",
    "=1+1",
    "=cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "&amp;",
    "../../etc/passwd",
    "/etc/passwd",
    "C:\\Windows\\system32",
    f"__import__('os').system('touch {CANARY}')",
    f"!!python/object/apply:os.system ['touch {CANARY}']",
    "{{ 7*7 }}",
    "${HOME}",
    "\x00",
    "\ufeff",
    "line\nbreak",
    '"quoted, with comma"',
    "null",
    "~",
    "True",
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
yaml_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.sampled_from(HOSTILE), max_size=3),
    st.dictionaries(st.sampled_from(HOSTILE), st.sampled_from(HOSTILE), max_size=2),
)


@contextlib.contextmanager
def hang_guard(seconds: int = HANG_S):
    """Fail a case that runs longer than ``seconds`` (SIGALRM, main thread)."""

    def hung(signum, frame):
        raise TimeoutError(f"a generated case ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


class Outcome:
    """Whether the case ran to the end (then its outputs are checked) or was refused."""

    succeeded = False


@contextlib.contextmanager
def refused_or_fine(*names: str):
    """Run a case: it may succeed or raise an InputError whose message names one of
    ``names`` (a file or a key); nothing else, and no code from the input runs. A case that
    succeeds says so in the yielded :class:`Outcome`, and its test checks what it wrote."""
    CANARY.unlink(missing_ok=True)
    outcome = Outcome()
    try:
        with hang_guard():
            yield outcome
        outcome.succeeded = True
    except InputError as err:
        message = str(err)
        assert message.strip() and "Traceback" not in message
        assert any(name in message for name in names), message
    assert not CANARY.exists(), "input text was run as code"


def assert_items_within_ranges(items_csv: Path, codebook) -> None:
    """Validated items: one column per item of the codebook, every value a number within
    its instrument's range or empty (a missing code)."""
    import pandas as pd

    items = pd.read_csv(items_csv)
    for instrument in codebook.instruments.values():
        for column in instrument.columns:
            values = pd.to_numeric(items[column], errors="raise").dropna()
            assert values.between(instrument.low, instrument.high).all(), column


def assert_scores_are_sane(out: Path, codebook) -> None:
    """Scores: one row per validated row, each score within its instrument's range or
    empty; reliabilities between -1 and 1 where given; no error among the problems."""
    import pandas as pd

    problems = pd.read_csv(out / "problems.csv")
    assert "error" not in set(problems["severity"].str.lower()), problems
    items, scores = pd.read_csv(out / "items.csv"), pd.read_csv(out / "scores.csv")
    assert len(scores) == len(items)
    for name, instrument in codebook.instruments.items():
        values = scores[name].dropna()
        assert values.between(instrument.low, instrument.high).all(), name
    reliability = pd.read_csv(out / "reliability.csv")
    for column in ("alpha", "omega"):
        values = reliability[column].dropna()
        assert (values <= 1).all(), reliability


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


# --- study files ---------------------------------------------------------------------

STUDY_ROWS = list(csv.reader(io.StringIO((DEFAULT_STUDY / "study.csv").read_text())))


@st.composite
def study_tables(draw) -> str:
    """The default study with hostile cells, headers, rows or bytes."""
    rows = copy.deepcopy(STUDY_ROWS)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["cell", "header", "drop column", "row", "blank row"]))
        if kind == "cell":
            row = draw(st.integers(1, len(rows) - 1))
            rows[row][draw(st.integers(0, len(rows[0]) - 1))] = draw(values)
        elif kind == "header":
            rows[0][draw(st.integers(0, len(rows[0]) - 1))] = draw(values)
        elif kind == "drop column":
            column = draw(st.integers(0, len(rows[0]) - 1))
            rows = [r[:column] + r[column + 1 :] for r in rows]
        elif kind == "row":
            rows.append([draw(values) for _ in range(draw(st.integers(0, len(rows[0]) + 2)))])
        else:
            rows.insert(draw(st.integers(1, len(rows))), [""] * len(rows[0]))
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):  # cut the file anywhere
        text = text[: draw(st.integers(0, len(text)))]
    return text


@CASES
@given(table=study_tables())
def test_any_study_file_validates_and_scores_or_is_refused_by_name(table):
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        data = folder / "study.csv"
        data.write_text(table, encoding="utf-8")
        out = folder / "out"
        with refused_or_fine(str(data)) as outcome:
            steps.validate(
                str(data),
                str(DEFAULT_STUDY / "codebook.yaml"),
                str(out / "items.csv"),
                str(out / "problems.csv"),
                source_out=str(out / "source.json"),
            )
            steps.score(
                str(out / "items.csv"),
                str(DEFAULT_STUDY / "codebook.yaml"),
                str(out / "scores.csv"),
                str(out / "reliability.csv"),
            )
        outputs = ("items.csv", "problems.csv", "source.json", "scores.csv", "reliability.csv")
        assert files_under(folder) <= {"study.csv"} | {f"out/{name}" for name in outputs}
        if outcome.succeeded:
            assert files_under(folder) == {"study.csv"} | {f"out/{name}" for name in outputs}
            codebook = load_codebook(DEFAULT_STUDY / "codebook.yaml")
            assert_items_within_ranges(out / "items.csv", codebook)
            assert_scores_are_sane(out, codebook)


def test_a_million_columns_are_refused_before_parsing(tmp_path):
    data = tmp_path / "study.csv"
    data.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 999_999 + "1\n")
    with hang_guard(10), pytest.raises(StudyFileError) as err:
        steps.validate(
            str(data),
            str(DEFAULT_STUDY / "codebook.yaml"),
            str(tmp_path / "items.csv"),
            str(tmp_path / "problems.csv"),
        )
    assert str(err.value) == (
        f"{data}: the header has 1,000,000 columns, more than the {MAX_COLUMNS:,} a study "
        "file may have (one per item and identifier); check that the file is not transposed "
        "and that its delimiter is a comma, semicolon or tab"
    )
    assert files_under(tmp_path) == {"study.csv"}


# --- YAML: codebooks, configs, declarations ------------------------------------------


def key_paths(doc, prefix=()):
    """Every key path of a nested mapping (lists by index)."""
    if isinstance(doc, dict):
        items = doc.items()
    else:
        items = enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        yield (*prefix, key)
        yield from key_paths(value, (*prefix, key))


@st.composite
def mutated(draw, original: dict) -> dict:
    """``original`` with a few values replaced, keys deleted or junk keys added."""
    doc = copy.deepcopy(original)
    paths = list(key_paths(doc))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths))
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            kind = draw(st.sampled_from(["set", "delete", "add"]))
            if kind == "set":
                parent[path[-1]] = draw(yaml_values)
            elif kind == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.sampled_from(HOSTILE))] = draw(yaml_values)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed or replaced this path
    return doc


def dump(doc, path: Path) -> None:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


CODEBOOK = yaml.safe_load((DEFAULT_STUDY / "codebook.yaml").read_text())
CONFIG = yaml.safe_load((ROOT / "config" / "config.yaml").read_text())
DECLARATION = yaml.safe_load((ROOT / "models" / "isp_actions.yaml").read_text())


@CASES
@given(doc=mutated(CODEBOOK))
def test_any_codebook_loads_and_validates_the_study_or_is_refused_by_name(doc):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "codebook.yaml"
        dump(doc, path)
        data = str(DEFAULT_STUDY / "study.csv")
        with refused_or_fine(str(path), data) as outcome:
            codebook = load_codebook(path)
            steps.validate(data, str(path), f"{folder}/out/items.csv", f"{folder}/out/problems.csv")
        if outcome.succeeded:
            assert_items_within_ranges(Path(folder) / "out" / "items.csv", codebook)


@CASES
@given(doc=mutated(CONFIG))
def test_any_config_is_checked_or_refused_and_never_points_outside_the_outputs(doc):
    with refused_or_fine("config/config.yaml", "config key", "models/"):
        config = check(doc, "config", "config/config.yaml")
        results = (Path("results") / config["study"]["name"]).resolve()
        assert results.parent == Path("results").resolve()
        models = model_names(ROOT / config["models_dir"], config.get("models"))
        bench_models(ROOT / "models", models, config["prior_grid"]["models"], "prior_grid")


FORMULAS = st.one_of(
    st.sampled_from(
        [
            f"isp_actions ~ __import__('os').system('touch {CANARY}')",
            f'isp_actions ~ self_alliance + eval(\'open("{CANARY}", "w")\')',
            "isp_actions ~ np.log(self_alliance) + (1 | therapist)",
            "isp_actions ~ self_alliance * other_alliance + (1 + self_alliance || therapist)",
            "isp_actions ~ (1 | ../../etc)",
            "<script>alert(1)</script> ~ self_alliance",
            "isp_actions ~ ",
            "~ self_alliance",
            "isp_actions ~ self_alliance ~ other_alliance",
        ]
    ),
    st.text(max_size=60),
)


@st.composite
def declarations(draw) -> dict:
    if draw(st.booleans()):
        doc = {k: v for k, v in DECLARATION.items() if k not in ("outcome", "predictors")}
        return {**doc, "formula": draw(FORMULAS)}
    return draw(mutated(DECLARATION))


@CASES
@given(doc=declarations())
def test_any_model_declaration_builds_its_data_or_is_refused_by_name(
    doc, default_codebook, default_scores
):
    with tempfile.TemporaryDirectory() as folder:
        models = Path(folder)
        (models / "priors").mkdir()
        for prior_set in (ROOT / "models" / "priors").glob("*.yaml"):
            (models / "priors" / prior_set.name).write_bytes(prior_set.read_bytes())
        dump(doc, models / "m.yaml")
        with refused_or_fine(str(models / "m.yaml"), str(models / "priors")) as outcome:
            spec = load_model(models, "m", default_codebook)
            equations = prepare(spec, default_scores)
        if outcome.succeeded:
            assert_model_data_is_sane(equations)


def assert_model_data_is_sane(equations) -> None:
    """Prepared data: complete rows (no more than the study has), at least one term, every
    term's predictors present and varying, each kept group level with 10 or more units."""
    from intersession.model.regression import MIN_GROUP_LEVELS

    for equation, data, _ in equations:
        frame = data.frame
        assert 0 < len(frame) <= 81
        used = [equation.outcome, *(p for t in data.terms for p in t.split(":"))]
        assert not frame[used].isna().any().any()
        assert all(sd > 0 for _, sd in data.scaling.values())
        assert set(used) <= set(data.scaling)
        for group in data.groups:
            assert frame[group.level].nunique() >= MIN_GROUP_LEVELS
        assert len(frame) + sum(data.excluded.values()) == 81


@CASES
@given(text=st.one_of(st.sampled_from(HOSTILE), st.text(max_size=200)))
def test_yaml_is_read_safely_whatever_the_text(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.yaml"
        path.write_text(text, encoding="utf-8")
        with refused_or_fine(str(path)):
            assert isinstance(load_yaml(path), dict)


def test_no_unsafe_loader_pickle_or_eval_in_the_package():
    """User input is read with yaml.safe_load, CSV/Excel/SPSS readers and JSON only."""
    unsafe = ("yaml.load(", "yaml.unsafe_load", "pickle", "eval(", "exec(", "allow_pickle")
    found = [
        f"{path.relative_to(ROOT)}: {word}"
        for path in (ROOT / "workflow").rglob("*.py")
        for word in unsafe
        if word in path.read_text()
    ]
    assert found == []


# --- the report -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_context(default_run, tmp_path_factory):
    """The context the report template gets in the e2e run (captured from the report step,
    which writes its figures and tables into a scratch folder)."""
    from intersession.report import html as report_html

    res = default_run / "results" / "simulated_quirk2018"
    models = sorted(p.stem for p in (res / "fits").glob("*.nc"))
    config = yaml.safe_load((default_run / "config" / "config.yaml").read_text())
    captured = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(default_run)  # the config names the study file relative to it
        patch.setattr(  # the step renders through render_with_references (HTML, references)
            report_html,
            "render_with_references",
            lambda context: (captured.update(context) or "", []),
        )
        config = check(config, "config", "config.yaml")
        steps.report(
            inputs=StudyInputs.from_config(config),
            settings=config["report"],
            study={
                "scores": str(res / "scores" / "scores.csv"),
                "reliability": str(res / "scores" / "reliability.csv"),
                "problems": str(res / "validated" / "problems.csv"),
                "source": str(res / "validated" / "source.json"),
                "items": str(res / "validated" / "items.csv"),
            },
            models=models,
            fits=[str(res / "fits" / f"{m}.nc") for m in models],
            effects=[str(res / "effects" / m) for m in models],
            diagnostics=[str(res / "diagnostics" / f"{m}.csv") for m in models],
            out=str(tmp_path_factory.mktemp("report") / "report.html"),
        )
    return captured


def with_text(value, text: str):
    """Every string in a nested context replaced by ``text``, but figure data URIs."""
    if isinstance(value, str):
        return value if value.startswith("data:") else text
    if isinstance(value, dict):
        return {k: with_text(v, text) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(with_text(v, text) for v in value)
    return value


@pytest.mark.e2e
@CASES
@given(text=st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=40)))
def test_no_user_string_reaches_the_report_as_markup(report_context, text):
    from intersession.report.html import render

    with hang_guard():
        # <u>: a tag the report never writes (it sets statistic symbols in <i>)
        page = render(with_text(report_context, f"<u>{text}</u>"))
    assert "<u>" not in page and "&lt;u&gt;" in page
