# Shared by every rule file - config validation, tier resolution, the training-cell table,
# source fingerprints, targets.
import os
import shutil
import sys
from pathlib import Path

import yaml

# This checkout's own library, whatever copy pip installed: the DAG (here) and every job
# (through PYTHONPATH) import src/ of the checkout that the source fingerprints hash.
_SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, _SRC)
_PYTHONPATH = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
os.environ.update(PYTHONPATH=os.pathsep.join([_SRC] + _PYTHONPATH))

import torch

from curse_of_memory.config_io import resolve_config, training_memory_problem
from curse_of_memory.device import ALLOW_CPU_ENV
from curse_of_memory.errors import UserError
from curse_of_memory.experiments import config_cells
from curse_of_memory.provenance import (
    REFERENCE_DIR,
    TRAINING_SOURCES,
    read_provenance,
    reference_best_lrs,
    reference_lr_window,
    source_fingerprint,
    verify_reference,
)
from curse_of_memory.training.engine import config_hash

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
PYTHON = "python"  # the interpreter snakemake runs under; scripts use `script:` or `shell:` with it
# values read off the paper's figures (±20 %), and what was checked where ours differ
PUBLISHED_READINGS = "resources/published/readings.csv"
DEVIATION_NOTES = "resources/published/deviations.yaml"
# the paper-tier reference on the second teacher draw (task.teacher_rng: torch), beside the main one
SECOND_REFERENCE_DIR = REFERENCE_DIR.parent / "paper-torch-teacher"
ENV = "../../environment.yml"  # conda: directive of every rule (used with --sdm conda), from rules/


def config_error(message):
    """Bad config: one line naming the key and the fix, exit status 1, nothing runs."""
    sys.stderr.write(f"error: config: {message}\n")
    sys.exit(1)


# The config files were read strictly by the Snakefile.  Every key the config leaves out takes
# the schema's default, in the paper's settings (`config`, which the theory figures compare their
# own against) and in the tier's (`CONFIG`, which every rule reads as CONFIG[section][key]).
try:
    _paper, CONFIG = resolve_config(config, yaml.safe_load(SCHEMA.read_text()))
except UserError as exc:
    config_error(str(exc))
config.clear()
config.update(_paper)
TIER = CONFIG["tier"]


def src_fingerprint(*subpackages):
    """Hash of the package source that a rule runs (all of it if no subpackage is named).

    Passed as a `params:` value so that editing src/ reruns exactly the rules that depend on it.
    The helpers every module imports count for every rule; other top-level modules (train.py,
    device.py, runlog.py) count only where a rule names them, so a logging fix retrains nothing.
    """
    return source_fingerprint(
        Path(workflow.basedir) / "src" / "curse_of_memory", *subpackages
    )


# --- the training-cell table -------------------------------------------------------------------
def _cell_table(cfg):
    """Every training cell of the tier, each checked by the cell spec (curse_of_memory.cell)."""
    try:
        cells, skipped = config_cells(cfg)
    except UserError as exc:
        config_error(str(exc))
    problem = training_memory_problem(cells)
    if problem:
        config_error(problem)
    return cells, skipped


# CELLS[(experiment, cell)] = {"cell": CELL.yaml dict, "meta": {label, variant, paper, ...}}
CELLS, SKIPPED_CELLS = _cell_table(CONFIG)

# --- the paper-tier reference run (results/reference/paper, committed) --------------------------
# runs=train (default) trains every cell; runs=reference (tier=paper only) takes the reference's
# runs and tables instead, so the paper tier's figures, tables and claims build without training.
RUNS = CONFIG["runs"]


def _verified_references():
    """Every reference folder under results/reference is checked file by file against the sha256
    its provenance.json records, before anything reads it: an edited, truncated or missing file
    stops here with one line naming it and how to restore it."""
    for folder in sorted(REFERENCE_DIR.parent.glob("*/provenance.json")):
        try:
            verify_reference(folder.parent)
        except UserError as exc:
            sys.stderr.write(f"error: {exc}\n")
            sys.exit(1)
    return read_provenance(REFERENCE_DIR)


REFERENCE = _verified_references()
TRAINING_FINGERPRINT = src_fingerprint(*TRAINING_SOURCES)
if RUNS == "reference":
    if TIER != "paper":
        config_error(
            f"runs: reference needs tier=paper (the reference is a paper-tier run), got tier={TIER}; "
            "use --config tier=paper runs=reference"
        )
    if REFERENCE is None:
        config_error(
            f"runs: reference, but {REFERENCE_DIR}/provenance.json is missing; restore it with "
            f"`git checkout -- {REFERENCE_DIR}`, or drop runs=reference to train"
        )
    _ref_hash = {
        (c["experiment"], c["cell"]): c["config_hash"] for c in REFERENCE["cells"]
    }
    _dropped = sorted({e for e, c in CELLS if (e, c) not in _ref_hash})
    if _dropped:
        print(
            f"runs=reference: not in the reference, so not built: {', '.join(_dropped)} "
            "(drop runs=reference to train them)",
            file=sys.stderr,
        )
    CELLS = {k: v for k, v in CELLS.items() if k in _ref_hash}

    _changed = [
        f"{e}/{c}"
        for (e, c), v in CELLS.items()
        if config_hash(dict(v["cell"], device="cpu")) != _ref_hash[(e, c)]
    ]
    if _changed:
        print(
            f"runs=reference: config.yaml differs from the reference's settings for {', '.join(_changed)}; "
            "their figures show the reference's runs (drop runs=reference to train the new settings)",
            file=sys.stderr,
        )

# A reduced tier may centre its lr window on the reference's best lrs (training.reduce.lr_centre).
_REDUCE = CONFIG["training"]["reduce"]
if _REDUCE["lr_centre"] == "reference" and "lrs" in _REDUCE:
    _best_lrs = reference_best_lrs(REFERENCE_DIR)
    for _key, _entry in CELLS.items():
        _window = reference_lr_window(
            _entry["meta"]["paper"]["lrs"], _best_lrs.get(_key, []), _REDUCE["lrs"]
        )
        if _window is not None:
            _entry["cell"]["lrs"] = _window

if REFERENCE is None and RUNS == "train":
    # a missing reference changes what this run shows: say so once, with the way back
    _lost = [
        "no paper-tier reference is drawn in Figs 3, 10 and 11 or judged in the claims"
    ]
    if _REDUCE["lr_centre"] == "reference" and "lrs" in _REDUCE:
        _lost.insert(0, "the lr windows fall back to the centres of the paper's grids")
    print(
        f"warning: no paper-tier reference run ({REFERENCE_DIR}/provenance.json is missing): "
        f"{'; '.join(_lost)}; restore it with `git checkout -- results/reference`",
        file=sys.stderr,
    )


def check_training_device():
    """Snakefile `onstart` (the executor is known there, not while the DAG is built): device: cuda,
    training jobs to run on this machine (a local executor, not --profile slurm) and a torch that
    sees no GPU is one line and exit status 1 before any job runs."""
    no = ("", "0", "false", "no")
    allow_cpu = os.environ.get(ALLOW_CPU_ENV, "") not in no
    if CONFIG["device"] != "cuda" or not workflow.local_exec or allow_cpu:
        return
    if not any(job.rule.name == "train_cell" for job in workflow.dag.needrun_jobs()):
        return
    if not torch.cuda.is_available():
        config_error(
            f"device: cuda, but torch {torch.__version__} cannot use a GPU on this machine "
            "(torch.cuda.is_available() is False) and the training jobs run here; set device: "
            "auto or cpu, install a CUDA build of torch, or run on a GPU cluster "
            "(--profile slurm)"
        )


def reference_files(*relpaths):
    """Files of the reference run that a rule of this run reads beside its own outputs (none
    when this run is itself built from the reference, or when no reference is shipped).
    """
    if RUNS == "reference" or REFERENCE is None:
        return []
    return [str(REFERENCE_DIR / p) for p in relpaths]


def reference_tables(*experiments, kind="best"):
    """The reference's aggregated tables of those experiments, drawn beside this run's own."""
    shipped = REFERENCE.get("experiments", []) if REFERENCE is not None else []
    return reference_files(
        *(f"tables/{e}_{kind}.parquet" for e in experiments if e in shipped)
    )


EXPERIMENTS = (
    {}
)  # experiment -> [cell, ...] in config order (only cells trained in this tier)
for _exp, _cell in CELLS:
    EXPERIMENTS.setdefault(_exp, []).append(_cell)


def cell_dir(experiment, cell):
    return f"results/runs/{experiment}/{cell}"


def cells_of(*experiments):
    """[(experiment, cell), ...] configured in this tier for the given experiments."""
    return [key for key in CELLS if key[0] in experiments]


def run_files(keys, name="metrics.parquet"):
    return [f"{cell_dir(e, c)}/{name}" for e, c in keys]


# --- helpers of train.smk and aggregate.smk ----------------------------------------------------
TRAIN_THREADS = CONFIG["training"]["threads"]
TRAIN_GPU = 0 if CONFIG["device"] == "cpu" else 1


def cell_params(wildcards):
    """The CELL.yaml content of one cell (a params value: editing the config reruns the cell)."""
    return CELLS[(wildcards.experiment, wildcards.cell)]["cell"]


def experiment_files(name):
    """Input function: `name` (metrics.parquet, ...) of every cell of the wildcard experiment."""

    def inputs(wildcards):
        return run_files(cells_of(wildcards.experiment), name)

    return inputs


def tables(*experiments, kind="best"):
    """results/tables/<experiment>_<kind>.parquet for those experiments configured in this tier."""
    return [
        f"results/tables/{e}_{kind}.parquet" for e in experiments if e in EXPERIMENTS
    ]


# --- targets: what `snakemake --cores all` builds, one function per part ------------------------
# Evaluated when the DAG is built, after every rule file is read, so no rule file depends on the
# order of the includes.  The figures of each part and whether a tier draws them are read from
# their specs (curse_of_memory.figures): a figure whose experiments are not configured in this
# tier is left out.
from curse_of_memory import figures as FIGURES

LATEXMK = shutil.which("latexmk")
TEX_HINT = (
    "paper/main.pdf not built: latexmk is not on the PATH. Install TeX (optional), e.g. "
    "`sudo apt-get install latexmk texlive-latex-base texlive-latex-recommended "
    "texlive-fonts-recommended` (about 40 s), then rerun `snakemake --cores all`."
)


def figure_targets(part):
    """The outputs of the figures of `part` that this tier draws (curse_of_memory.figures)."""
    return FIGURES.targets(part, EXPERIMENTS, lambda rule: getattr(rules, rule).output)


def theory_targets():
    """Figs 1, 2, 6, 7, 8 and the theory Hessians of Fig 10 (closed forms, no training)."""
    return figure_targets("theory") + list(rules.theory_hessians.output)


def data_targets():
    """Figs 5, 12, 13, 14, 15 on the real-input data, and the autocorrelation fit."""
    return figure_targets("data") + [rules.autocorrelation.output.fit]


def hessian_targets():
    """The Hessians at the optimum, Figs 4, 9 and Fig 10 when it is trained."""
    return list(rules.hessians.output) + figure_targets("hessian")


def training_targets():
    """Aggregated tables of every experiment, Tables 1-3 and the training figures."""
    out = expand(rules.aggregate.output.best, experiment=list(EXPERIMENTS))
    return out + list(rules.hyperparameter_tables.output) + figure_targets("training")


def upstream_targets(wildcards=None):
    """Every figure and table of the run: what the claims check and the errata read."""
    return theory_targets() + data_targets() + hessian_targets() + training_targets()


def diagnostics_targets():
    """Per-experiment learning-curve diagnostics (not when the runs come from the reference)."""
    if RUNS != "train":
        return []
    return expand(rules.diagnostics.output, experiment=list(EXPERIMENTS))


def paper_aggregates(wildcards):
    """The aggregated tables of this tier's experiments (read by the results tables)."""
    best = [e for e in ("fig3a", "fig3b", "fig11") if e in EXPERIMENTS]
    out = expand(rules.aggregate.output.best, experiment=best)
    out += expand(rules.aggregate.output.by_lr, experiment=list(EXPERIMENTS))
    return out + (rules.fig10_table.output if "fig10" in EXPERIMENTS else [])


def paper_sources():
    """What paper/main.tex inputs: its sections, generated numbers, tables and figures."""
    return (
        ["paper/main.tex"]
        + [str(p) for p in sorted(Path("paper/sections").glob("*.tex"))]
        + rules.numbers.output
        + rules.reference_section.output
        + [rules.glance.output.tex]
        + [rules.claims.output.tex, rules.claims.output.summary]
        + rules.errata.output
        + rules.results_tables.output
        + [t for t in upstream_targets() if str(t).startswith("paper/")]
    )


def paper_targets():
    """The claims check, the paper folder's tables and numbers, and paper/main.pdf with TeX."""
    out = [rules.claims.output.json] + paper_sources()[1:]
    return out + (rules.paper_pdf.output if LATEXMK else [])


def all_targets(wildcards=None):
    """`snakemake --cores all`: every part, the PDF last."""
    return upstream_targets() + diagnostics_targets() + paper_targets()
