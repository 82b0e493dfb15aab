"""The simulator reproduces the embedded study byte for byte and encodes the reference pattern."""

import hashlib

import yaml

from intersession.cli import main
from intersession.data.simulate import Design, simulate_study
from tests.conftest import DEFAULT_STUDY


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_cli_regenerates_the_embedded_default_study(tmp_path):
    out, truth = tmp_path / "study.csv", tmp_path / "truth.yaml"
    code = main(
        [
            "simulate",
            "--codebook",
            str(DEFAULT_STUDY / "codebook.yaml"),
            "--out",
            str(out),
            "--truth",
            str(truth),
            "--seed",
            "2018",
        ]
    )
    assert code == 0
    assert sha(out) == sha(DEFAULT_STUDY / "study.csv")
    assert sha(truth) == sha(DEFAULT_STUDY / "truth.yaml")


def test_design_and_missing_codes(default_codebook):
    study, truth = simulate_study(default_codebook, Design(n_clients=200, n_therapists=12), seed=5)
    assert study.shape == (200, 2 + 22)
    assert study["therapist_id"].nunique() == 12
    assert study["client_id"].is_unique
    items = study.drop(columns=["client_id", "therapist_id"])
    assert set(items.stack().unique()) <= {-99, 1, 2, 3, 4, 5, 6, 7}
    assert 0 < (items == -99).to_numpy().mean() < 0.03
    assert truth["n_clients"] == 200 and truth["seed"] == 5


def test_a_different_seed_gives_different_data(default_codebook):
    a, _ = simulate_study(default_codebook, seed=1)
    b, _ = simulate_study(default_codebook, seed=2)
    assert not a.equals(b)


def test_truth_has_the_reference_pattern():
    truth = yaml.safe_load((DEFAULT_STUDY / "truth.yaml").read_text())
    actions = truth["observed_metric"]["isp_actions"]
    thoughts = truth["observed_metric"]["isp_thoughts"]
    progress = truth["observed_metric"]["progress"]
    assert min(actions.values()) > 0.15  # self, other and their interaction
    assert max(abs(v) for v in thoughts.values()) < 0.01  # near-null
    assert min(progress.values()) > 0.1  # all four predictors
    assert truth["latent"]["actions"]["self_alliance:other_alliance"] == 0.3


def test_cli_reports_a_codebook_without_the_roles(tmp_path, tiny_codebook, capsys):
    code = main(
        [
            "simulate",
            "--codebook",
            tiny_codebook.path,
            "--out",
            str(tmp_path / "x.csv"),
            "--truth",
            str(tmp_path / "t.yaml"),
        ]
    )
    assert code == 1
    assert "the simulator needs instruments named ['self_alliance'" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_multisite_design_with_sessions_dropout_and_missed_sessions(multisite_codebook):
    design = Design(n_clients=300, n_therapists=30, n_sites=4, n_sessions=8)
    study, truth = simulate_study(multisite_codebook, design, seed=3)
    per_client = study.groupby("client_id")
    assert study["client_id"].nunique() == 300
    assert study["therapist_id"].nunique() == 30 and study["site_id"].nunique() == 4
    assert per_client["therapist_id"].nunique().max() == 1  # clients nest in therapists
    assert study.groupby("therapist_id")["site_id"].nunique().max() == 1  # and those in sites
    assert not study.duplicated(["client_id", "session"]).any()
    # about 15% drop out early and 5% of later sessions are missed
    full = (per_client["session"].max() == 8).mean()
    assert 0.75 < full < 0.9
    assert truth["n_rows"] == len(study) < 300 * 8
    assert study["session"].between(1, 8).all()
    # alliance varies within clients from session to session
    from intersession.data.score import score_study
    from intersession.data.validate import clean_items

    scores = score_study(clean_items(study.astype(str), multisite_codebook), multisite_codebook)
    within_sd = scores.groupby("client")["self_alliance"].std().mean()
    assert within_sd > 0.2
    assert truth["observed_metric"]["isp_actions"]["self_alliance:other_alliance"] > 0.1


def test_a_design_needs_its_columns(default_codebook):
    import pytest

    with pytest.raises(ValueError, match=r"this design needs columns for \['site', 'session'\]"):
        simulate_study(default_codebook, Design(n_sites=2, n_sessions=3))


def test_one_hundred_thousand_clients(default_codebook):
    study, truth = simulate_study(default_codebook, Design(n_clients=100_000, n_therapists=2000))
    assert truth["n_rows"] == 100_000
    assert len(study) == 100_000 and study["client_id"].is_unique
    assert study["client_id"].iloc[-1] == "C100000"
    assert study["therapist_id"].nunique() == 2000
