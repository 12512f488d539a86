"""The training-figure scripts on synthetic tables: a task point whose every seed diverged is drawn
as a cross (the figure still builds, on a log axis when any loss is finite, on a linear one when
none is), and a reference table is drawn beside the run."""

import math
import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
NU0 = [0.36, 0.68, 0.84, 0.92, 0.96, 0.98, 0.99]


def _best(experiment, cells, nu0s, dead=(), scale=1.0):
    rows = []
    for cell in cells:
        for nu0 in nu0s:
            bad = (cell, nu0) in dead
            loss = math.nan if bad else scale * (1 + nu0)
            rows.append(
                {
                    "experiment": experiment,
                    "cell": cell,
                    "nu0": nu0,
                    "theta0": 3.14,
                    "lr": math.nan if bad else 1e-3,
                    "mean": loss,
                    "sem": 0.1 * loss,
                    "mean_published": loss,
                    "sem_published": 0.1 * loss,
                    "lr_published": math.nan if bad else 1e-3,
                    "n_seeds": 3,
                    "n_diverged": 3 if bad else 0,
                    "n_diverged_total": 9 if bad else 0,
                    "n_lrs": 3,
                    "flagged": bad,
                    "edge": False,
                }
            )
    return pd.DataFrame(rows)


def _run_fig3(tmp_path, panel_a, panel_b, reference=None):
    paths = {}
    for name, df in (("panel_a", panel_a), ("panel_b", panel_b)):
        paths[name] = str(tmp_path / f"{name}.parquet")
        df.to_parquet(paths[name])
    ref = []
    if reference is not None:
        ref = [str(tmp_path / "ref.parquet")]
        reference.to_parquet(ref[0])
    smk = SimpleNamespace(
        input=SimpleNamespace(
            panel_a=[paths["panel_a"]],
            panel_b=[paths["panel_b"]],
            reference=ref,
            readings=str(ROOT / "resources/published/readings.csv"),
        ),
        output=SimpleNamespace(
            pdf=str(tmp_path / "fig3.pdf"), published=str(tmp_path / "fig3_published.pdf")
        ),
        params=SimpleNamespace(labels={"fig3a/rnn": "RNN", "fig3a/lru": "LRU"}, tier="test"),
        log=[str(tmp_path / "fig3.log")],
    )
    runpy.run_path(str(ROOT / "workflow/scripts/fig3.py"), init_globals={"snakemake": smk})
    log = Path(smk.log[0]).read_text()
    assert "Traceback" not in log, log
    return pd.read_csv(tmp_path / "fig3_a.csv"), pd.read_csv(tmp_path / "fig3_b.csv")


RIGHT_CELLS = ["block-diagonal", "more-neurons", "crnn", "gamma", "lru", "gamma-published"]


def test_fig3_marks_a_point_whose_every_seed_diverged(tmp_path):
    left = _best("fig3a", ["rnn", "lru"], NU0, dead={("rnn", 0.99)})
    right = _best("fig3b", RIGHT_CELLS, [0.99], dead={("crnn", 0.99)})
    a, b = _run_fig3(tmp_path, left, right)
    assert set(a["source"]) == {"this run", "published"}  # the paper's readings are drawn too
    a, b = a[a["source"] == "this run"], b[b["source"] == "this run"]
    assert (tmp_path / "fig3.pdf").stat().st_size > 0 and (
        tmp_path / "fig3_published.pdf"
    ).stat().st_size > 0
    assert a.loc[a["all_diverged"], ["model", "nu0"]].values.tolist() == [["rnn", 0.99]]
    # panel B starts with the dense RNN at nu0 = 0.99 (Fig 3A's point): both crosses are drawn
    assert b.loc[b["all_diverged"].eq(True), "cell"].tolist() == ["rnn", "crnn"]


@pytest.mark.parametrize("cells", [["rnn", "lru"]])
def test_fig3_builds_when_every_point_diverged(tmp_path, cells):
    left = _best("fig3a", cells, NU0, dead={(c, n) for c in cells for n in NU0})
    right = _best("fig3b", RIGHT_CELLS, [0.99], dead={(c, 0.99) for c in RIGHT_CELLS})
    a, _ = _run_fig3(tmp_path, left, right)
    assert a.loc[a["source"] == "this run", "all_diverged"].all()


def test_fig3_draws_the_reference_beside_the_run(tmp_path):
    left = _best("fig3a", ["rnn", "lru"], NU0)
    right = _best("fig3b", RIGHT_CELLS, [0.99])
    ref = pd.concat(
        [
            _best("fig3a", ["rnn", "lru"], NU0, scale=0.01),
            _best("fig3b", RIGHT_CELLS, [0.99], scale=0.01),
        ],
        ignore_index=True,
    )
    a, b = _run_fig3(tmp_path, left, right, ref)
    mine = a[a["source"] == "this run"].sort_values(["model", "nu0"])["loss"].to_numpy()
    theirs = (
        a[a["source"] == "paper-tier reference"].sort_values(["model", "nu0"])["loss"].to_numpy()
    )
    assert np.allclose(theirs, 0.01 * mine)
    assert (b["source"] == "paper-tier reference").sum() == 6
