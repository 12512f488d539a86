"""End to end: the whole DAG on the `test` tier in a throw-away copy of the repository, plus the
paper-tier dry run (one training job per cell of the cell table) and partial-rerun behaviour.
The cells' member counts are asserted once, in tests/test_config.py."""

import json
import shutil

import pandas as pd
import pytest
import yaml
from repo_copy import ROOT, copy_repo, dry_run_jobs, snakemake

from curse_of_memory.experiments import build_cells, drop_coinciding

pytestmark = pytest.mark.e2e


def _is_pdf(path):
    data = path.read_bytes()
    return data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:] and len(data) > 500


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    repo = copy_repo(tmp_path_factory.mktemp("repo"))
    proc = snakemake(repo, "--cores", "2", "--config", "tier=test", timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return repo


def test_test_tier_builds_valid_figures_and_non_empty_tables(built):
    figures = sorted((built / "paper" / "figures").glob("*.pdf"))
    assert (
        built / "paper/figures/fig3.pdf" in figures and built / "paper/figures/fig11.pdf" in figures
    )
    for pdf in list(figures) + sorted((built / "results" / "diagnostics").rglob("*.pdf")):
        assert _is_pdf(pdf), f"{pdf} is not a valid PDF"
    tables = sorted((built / "results" / "tables").glob("*.parquet"))
    assert built / "results/tables/fig10.parquet" in tables
    for table in tables:
        assert len(pd.read_parquet(table)) > 0, f"{table} is empty"
    for path in sorted((built / "paper" / "tables").glob("*")) + sorted(
        (built / "paper" / "figures").glob("*.csv")
    ):
        assert path.stat().st_size > 0, f"{path} is empty"
    main = built / "paper" / "main.pdf"
    if main.exists():
        assert _is_pdf(main)


def test_test_tier_outputs_have_the_agreed_shape(built):
    fig10 = pd.read_parquet(built / "results/tables/fig10.parquet")
    for col in (
        "model",
        "theta0",
        "remap",
        "lr",
        "mean",
        "sem",
        "n_seeds",
        "n_diverged",
        "flagged",
    ):
        assert col in fig10.columns
    assert set(fig10["remap"]) == {"default", "published"}
    assert (built / "results/runs/fig4/rnn/final.pt").exists()
    cell = yaml.safe_load((built / "results/cells/fig3a/lru.yaml").read_text())
    test = yaml.safe_load((ROOT / "config.yaml").read_text())["tiers"]["test"]["training"]["reduce"]
    assert len(cell["seeds"]) == test["seeds"] and len(cell["lrs"]) == test["lrs"]
    best = pd.read_parquet(built / "results/tables/fig3a_best.parquet")
    assert len(best) == 2 * 7  # two cells x every nu0 of the paper (task points are never reduced)
    flags = pd.read_csv(built / "results/diagnostics/fig3a/flags.csv")
    assert set(flags["cell"]) == {"lru", "rnn"}
    assert json.loads((built / "results/runs/fig3a/lru/summary.json").read_text())


def test_rerun_is_a_no_op_and_restyling_a_figure_reruns_only_its_plot(built):
    proc = snakemake(built, "-n", "--config", "tier=test")
    assert proc.returncode == 0 and "Nothing to be done" in proc.stdout + proc.stderr, proc.stdout[
        -2000:
    ]
    script = built / "workflow/scripts/fig3.py"
    script.write_text(script.read_text() + "\n# restyled\n")
    proc = snakemake(built, "-n", "--config", "tier=test")
    rules = {job["rule"] for job in dry_run_jobs(proc.stdout)}
    assert "fig3" in rules
    assert not rules & {"train_cell", "aggregate", "write_cell", "fig11", "diagnostics"}, rules


def test_a_reference_run_is_drawn_judged_and_rebuilt_without_training(built):
    """The test tier's own run, packed as a reference: the training figures draw it beside the
    run, the claims judge every training claim on it, the PDF section names its provenance, and
    `--config tier=paper runs=reference` schedules no training job."""
    from curse_of_memory.provenance import pack, read_provenance, training_fingerprint

    ref = built / "results" / "reference" / "paper"
    shutil.rmtree(ref, ignore_errors=True)  # this copy's shipped reference: replaced by the test's
    prov = pack(
        built,
        ref,
        command="snakemake --cores 2 --config tier=test",
        started="s",
        finished="f",
        wall_seconds=1.0,
        commit=None,
        fingerprint=training_fingerprint(built / "src" / "curse_of_memory"),
        tier="test",
    )
    assert read_provenance(ref) == prov and prov["runs"] > 0
    assert (ref / "runs" / "fig4" / "rnn" / "final.pt").exists() and (ref / "README.md").exists()
    proc = snakemake(
        built,
        "--cores",
        "2",
        "--config",
        "tier=test",
        "--",
        "fig3",
        "fig11",
        "fig10",
        "results/claims.json",
        "paper/generated/reference.tex",
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    left = pd.read_csv(built / "paper/figures/fig3_a.csv")
    assert set(left["source"]) == {"this run", "paper-tier reference", "published"}
    mine, theirs = (
        left[left["source"] == s].sort_values(["model", "nu0"])["loss"].to_numpy()
        for s in ("this run", "paper-tier reference")
    )
    assert len(mine) == len(theirs) and (mine == theirs).all()  # the same run, drawn twice
    assert "paper-tier reference" in set(
        pd.read_csv(built / "paper/figures/fig11_left.csv")["source"]
    )
    assert "paper-tier reference" in set(
        pd.read_csv(built / "paper/figures/fig10_loss.csv")["source"]
    )
    records = json.loads((built / "results/claims.json").read_text())
    judged = [r for r in records if "reference" in r]
    assert {r["figure"] for r in judged} >= {"fig3", "fig11"}
    for r in judged:  # same data: the same verdict on both
        if r["figure"] != "fig_optimizers":
            assert r["reference"]["status"] == r["status"], r["id"]
    assert "same fingerprint" in (built / "paper/generated/reference.tex").read_text()
    proc = snakemake(built, "-n", "--config", "tier=paper", "runs=reference", timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rules = {j["rule"] for j in dry_run_jobs(proc.stdout)}
    assert "aggregate" in rules and not rules & {"train_cell", "write_cell", "diagnostics"}, rules


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    return copy_repo(tmp_path_factory.mktemp("fresh"))


def test_paper_tier_dry_run_lists_one_training_job_per_cell(fresh):
    proc = snakemake(fresh, "-n", "--config", "tier=paper", timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    jobs = [j for j in dry_run_jobs(proc.stdout) if j["rule"] == "train_cell"]
    listed = sorted((j["wildcards"]["experiment"], j["wildcards"]["cell"]) for j in jobs)
    assert len(listed) == len(set(listed))
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    from curse_of_memory.tasks.teacher import teacher_has_real_negative_eigs

    cells, _ = drop_coinciding(
        build_cells(config["training"]), lambda task: teacher_has_real_negative_eigs(42, 10)
    )
    assert listed == sorted(cells)


def test_named_figure_target_builds_exactly_what_it_needs(fresh):
    for target in ("fig3", "paper/figures/fig3.pdf"):
        proc = snakemake(fresh, "-n", target, "--config", "tier=paper", timeout=300)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        jobs = dry_run_jobs(proc.stdout)
        exps = {
            j["wildcards"].get("experiment")
            for j in jobs
            if j["rule"] in ("train_cell", "aggregate")
        }
        assert exps == {"fig3a", "fig3b"}, exps
        assert {j["rule"] for j in jobs} == {"write_cell", "train_cell", "aggregate", "fig3"}
