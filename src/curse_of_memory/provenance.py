"""Provenance of results: source fingerprints and the shipped paper-tier reference run.

**Source fingerprint.** ``source_fingerprint(root, "training", ...)`` hashes the package source a
rule runs (file names and bytes).  The pipeline passes it as a ``params:`` value so that editing
``src/`` reruns exactly what depends on it; the *training fingerprint* (models, tasks, training,
train.py, device.py and the helpers every module imports) identifies the code that trained a run.

**The paper-tier reference** (``results/reference/paper/``, committed) is one full run of the
paper's training grids (10 seeds, 10,000 steps, every lr) for every training figure.  It holds

* ``tables/``: the aggregated tables the figures and claims read (same schemas as
  ``results/tables/``);
* ``figures/``: the plotted numbers (CSV) of the training figures at the paper tier;
* ``runs/members.parquet``: one row per trained member (experiment, cell, task point, lr, seed,
  final training loss, validation loss, divergence step);
* ``runs/epochs.parquet``: the per-epoch training loss of every member (float32, as trained);
* ``runs/<experiment>/<cell>/summary.json``: the cell's settings and timing (its member list is in
  ``members.parquet``);
* ``runs/<experiment>/<cell>/{final.pt, cell.yaml}``: final parameters and per-entry effective
  lrs, only for the single runs whose parameters a figure reads (Figs 4 and 9);
* ``provenance.json`` and ``README.md``.

``python -m curse_of_memory.provenance pack RUN_DIR OUT_DIR --command ... --started ... --finished
...`` builds that folder from a finished paper-tier pipeline run in ``RUN_DIR``.

**File hashes.** ``provenance.json`` records the sha256 and size of every other file of the folder
(``files``; the folder's ``README.md`` is documentation and is left out).  :func:`verify_reference`
checks them before the pipeline reads anything from the folder, so an edited, truncated or missing
file stops the run with one line naming the file and how to restore it, instead of being drawn and
judged as the reference.  ``pack`` records them; ``python -m curse_of_memory.provenance hash DIR``
records them for a folder packed before hashes were kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import shutil
import sys
from pathlib import Path

from curse_of_memory import io
from curse_of_memory.errors import DataError, UserError
from curse_of_memory.errors import cli_errors as _cli_errors
from curse_of_memory.figures import FIGURES

REFERENCE_DIR = Path("results/reference/paper")
# the paper's figures whose numbers come from training runs (the figure spec's experiments; their
# claims are also judged on the reference)
TRAINING_FIGURES = tuple(
    stem
    for stem, fig in FIGURES.items()
    if fig.experiments and stem.startswith("fig") and stem[3:].isdigit()
)
# experiments of the paper's figures (the optimizer study goes beyond the paper)
PAPER_EXPERIMENTS = ("fig3a", "fig3b", "fig4", "fig9", "fig10", "fig10_published", "fig11")
# what a reference folder may hold: the paper's experiments and the optimizer study
REFERENCE_EXPERIMENTS = PAPER_EXPERIMENTS + ("optimizers",)
# the figure an experiment's plotted numbers (paper/figures/<figure>*.csv) belong to
_FIGURE_OF = {e: stem for stem, fig in FIGURES.items() for e in fig.experiments}
# runs whose final parameters a figure reads
FINAL_PARAMS_EXPERIMENTS = ("fig4", "fig9")
TRAINING_SOURCES = ("models", "tasks", "training", "cell.py", "train.py", "device.py")
COMMON_SOURCES = ("__init__.py", "io.py", "errors.py")


def source_fingerprint(package_root: str | Path, *parts: str) -> str:
    """Hash of the named parts of the package (all of it if none is named) plus the helpers every
    module imports; 16 hex digits."""
    root = Path(package_root)
    files: list[Path] = []
    for part in parts or ("",):
        target = root / part
        files += [target] if target.is_file() else sorted(target.rglob("*.py"))
    files += [root / name for name in COMMON_SOURCES]
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def training_fingerprint(package_root: str | Path) -> str:
    return source_fingerprint(package_root, *TRAINING_SOURCES)


def read_provenance(ref_dir: str | Path = REFERENCE_DIR) -> dict | None:
    """The reference's provenance.json, or None when the folder has none."""
    path = Path(ref_dir) / "provenance.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise DataError(
            f"{path}: unreadable ({exc.__class__.__name__}); restore it with "
            f"`git checkout -- {path}`"
        ) from None


# --- file hashes ----------------------------------------------------------------------------------
# files of a reference folder that are not hashed: the index itself and its documentation
UNHASHED = ("provenance.json", "README.md")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(folder: str | Path) -> dict[str, dict]:
    """``{relative path: {"sha256": hex, "bytes": size}}`` of every file of a reference folder
    except provenance.json and README.md (POSIX paths, sorted)."""
    folder = Path(folder)
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in UNHASHED:
            out[rel] = {"sha256": _sha256(path), "bytes": path.stat().st_size}
    return out


def verify_reference(folder: str | Path = REFERENCE_DIR) -> None:
    """Check every file listed in the folder's provenance.json against its recorded sha256 and
    size; raise :class:`DataError` (one line naming the file and how to restore it) at the first
    file that is missing, truncated or edited.  A folder without provenance.json has nothing to
    check (the caller says what its absence means)."""
    folder = Path(folder)
    prov = read_provenance(folder)
    if prov is None:
        return
    files = prov.get("files") if isinstance(prov, dict) else None
    if not isinstance(files, dict) or not files:
        raise DataError(
            f"{folder}/provenance.json records no file hashes ('files'), so the reference's "
            f"files cannot be checked; restore the folder with `git checkout -- {folder}`, or "
            f"record them with `python -m curse_of_memory.provenance hash {folder}` if its files "
            "are as packed"
        )
    for rel, rec in sorted(files.items()):
        path = folder / rel
        restore = f"restore it with `git checkout -- {path}`"
        if Path(rel).is_absolute() or ".." in Path(rel).parts or not isinstance(rec, dict):
            raise DataError(
                f"{folder}/provenance.json: bad entry {rel!r} under 'files'; restore the folder "
                f"with `git checkout -- {folder}`"
            )
        if not path.is_file():
            raise DataError(f"{path} is missing from the reference run; {restore}")
        size = path.stat().st_size
        if size != rec.get("bytes"):
            change = "truncated" if size < rec.get("bytes", 0) else "edited"
            raise DataError(
                f"{path} holds {size} bytes, the reference run recorded {rec.get('bytes')} "
                f"({change}); {restore}"
            )
        if _sha256(path) != rec.get("sha256"):
            raise DataError(
                f"{path} differs from the sha256 recorded in {folder}/provenance.json (edited); "
                f"{restore}"
            )


def record_hashes(folder: str | Path) -> dict:
    """Write the sha256 of every file of a reference folder into its provenance.json (the other
    fields are kept as they are); returns the new provenance."""
    folder = Path(folder)
    prov = read_provenance(folder)
    if prov is None:
        raise DataError(
            f"{folder}/provenance.json is missing; give a folder made by "
            "`python -m curse_of_memory.provenance pack`"
        )
    prov = {k: v for k, v in prov.items() if k != "files"}
    prov["files"] = file_hashes(folder)
    io.write_json(folder / "provenance.json", prov)
    return prov


# --- packing ------------------------------------------------------------------------------------
def _member_tables(run_dir: Path, experiments) -> tuple:
    import numpy as np  # heavy: the Snakefile imports this module at every start
    import pandas as pd  # heavy: the Snakefile imports this module at every start

    members, epochs, cells, slims = [], [], [], []
    for exp in experiments:
        for cdir in sorted((run_dir / "results" / "runs" / exp).iterdir()):
            summary_path = cdir / "summary.json"
            if not summary_path.exists():
                continue
            s = json.loads(summary_path.read_text())
            m = pd.DataFrame(s["members"])
            keep = [
                "member",
                "point",
                "nu0",
                "theta0",
                "lr",
                "seed",
                "final_train_loss",
                "validation_loss",
                "diverged_step",
            ]
            m = m[keep].copy()
            m["diverged_step"] = m["diverged_step"].fillna(-1).astype("int32")
            m.insert(0, "cell", cdir.name)
            m.insert(0, "experiment", exp)
            members.append(m)
            met = pd.read_parquet(
                cdir / "metrics.parquet", columns=["member", "epoch", "train_loss"]
            )
            loss32 = met["train_loss"].to_numpy(np.float32)
            if not np.array_equal(
                loss32.astype(np.float64), met["train_loss"].to_numpy(), equal_nan=True
            ):
                raise ValueError(
                    f"{cdir}: training losses are not float32 values; refusing a lossy copy"
                )
            epochs.append(
                pd.DataFrame(
                    {
                        "experiment": exp,
                        "cell": cdir.name,
                        "member": met["member"].astype("int32"),
                        "epoch": met["epoch"].astype("int16"),
                        "train_loss": loss32,
                    }
                )
            )
            slim = {
                k: s[k]
                for k in (
                    "experiment",
                    "cell",
                    "config",
                    "config_hash",
                    "n_members",
                    "wall_seconds",
                    "torch_version",
                    "device",
                    "threads",
                    "git_commit",
                )
                if k in s
            }
            slims.append((exp, cdir.name, slim))
            cells.append(
                {
                    "experiment": exp,
                    "cell": cdir.name,
                    "members": int(s["n_members"]),
                    "steps": int(s["config"]["steps"]),
                    "wall_seconds": float(s["wall_seconds"]),
                    "config_hash": s["config_hash"],
                    "threads": s.get("threads"),
                    "device": s.get("device"),
                    # which draw of the teacher recipe (METHODS §3.1); cells older than the
                    # setting were trained on the PyTorch draw
                    "teacher_rng": s["config"].get("task", {}).get("teacher_rng", "torch"),
                }
            )
    members = pd.concat(members, ignore_index=True)
    epochs = pd.concat(epochs, ignore_index=True)
    for df in (members, epochs):
        for col in ("experiment", "cell"):
            df[col] = df[col].astype("category")
    return members, epochs, cells, slims


def pack(
    run_dir: str | Path,
    out_dir: str | Path,
    *,
    command: str,
    started: str,
    finished: str,
    wall_seconds: float,
    commit: str | None,
    fingerprint: str,
    tier: str = "paper",
    note: str = "",
    experiments: list[str] | None = None,
    add: bool = False,
    cells: list[str] | None = None,
) -> dict:
    """Build the reference folder ``out_dir`` from the finished paper-tier run in ``run_dir``.

    ``experiments``: which of :data:`REFERENCE_EXPERIMENTS` to take (default: every one the run
    trained).  ``add=True`` adds them to the reference already in ``out_dir`` instead (a later
    run, e.g. the optimizer study trained after the paper's figures): its members, per-epoch losses
    and tables join the folder's, its cells join ``cells``, the totals (runs, run-steps, diverged
    runs, training-job time) cover both, and the later run's own facts (command, times, commit,
    fingerprint, machine) are recorded under ``additions``; the first run's stay at the top.

    ``cells`` (with ``add=True``; ``experiment/cell`` names) retrains cells the reference already
    holds, e.g. after an lr grid was extended: their runs replace the shipped runs of those cells,
    the experiment's tables are taken again from ``run_dir``, whose other cells of the experiment
    must be the shipped ones run for run, and the addition lists the cells it replaced."""
    import pandas as pd  # heavy: the Snakefile imports this module at every start
    import torch  # heavy: the Snakefile imports this module at every start

    run_dir, out_dir = Path(run_dir), Path(out_dir)
    named = None
    if cells is not None:
        if not add:
            raise UserError("--cells retrains cells of a reference; use it with --add")
        named = {tuple(c.split("/", 1)) for c in cells if "/" in c}
        if len(named) != len(cells) or not named:
            raise UserError(
                f"--cells {' '.join(cells)}: name each cell as experiment/cell "
                "(e.g. optimizers/lru-adam)"
            )
        experiments = [e for e in REFERENCE_EXPERIMENTS if e in {e for e, _ in named}]
    if not add and out_dir.is_dir() and any(out_dir.iterdir()):
        # packing over an older reference would mix its files with the new run's
        raise UserError(
            f"{out_dir} already holds files (an older reference?); move it away first "
            f"(e.g. `git rm -r {out_dir}`), pack into an empty folder, or add to it with --add"
        )
    trained = [e for e in REFERENCE_EXPERIMENTS if (run_dir / "results" / "runs" / e).is_dir()]
    if experiments is None:
        experiments = trained
    unknown = [e for e in experiments if e not in REFERENCE_EXPERIMENTS]
    if unknown:
        raise UserError(
            f"cannot pack experiment(s) {', '.join(unknown)}: a reference holds "
            f"{', '.join(REFERENCE_EXPERIMENTS)}"
        )
    absent = [e for e in experiments if e not in trained]
    if absent:
        raise UserError(
            f"{run_dir}/results/runs has no {', '.join(absent)}; train them there first "
            "(`snakemake --cores all --config tier=paper results/tables/<experiment>_best.parquet`)"
        )
    if not experiments:
        raise UserError(
            f"{run_dir}/results/runs holds none of the reference's experiments "
            f"({', '.join(REFERENCE_EXPERIMENTS)}); give the root of the checkout that ran the "
            "paper tier"
        )
    old = None
    if add:
        old = read_provenance(out_dir)
        if old is None:
            raise UserError(
                f"--add: {out_dir}/provenance.json is missing; pack a first run into the folder "
                "without --add"
            )
        verify_reference(out_dir)
        again = [e for e in experiments if e in old["experiments"]]
        held = {(c["experiment"], c["cell"]) for c in old["cells"]}
        if named is not None and not named <= held:
            raise UserError(
                f"{out_dir} holds no cell {', '.join('/'.join(c) for c in sorted(named - held))}; "
                "--cells retrains held cells (add a new experiment with --experiments)"
            )
        if again and named is None:
            raise UserError(
                f"{out_dir} already holds {', '.join(again)}; pack those into a new folder, or "
                "leave them out with --experiments"
            )
    members, epochs, new_cells, slims = _member_tables(run_dir, experiments)
    if named is not None:
        members, epochs, new_cells, slims = _retrained_only(
            run_dir, out_dir, named, members, epochs, new_cells, slims
        )
    rngs = sorted({c["teacher_rng"] for c in new_cells})
    if old is not None and rngs != [old.get("teacher_rng", "torch")]:
        raise UserError(
            f"{run_dir} trained on teacher_rng {', '.join(rngs)}, the reference in {out_dir} on "
            f"{old.get('teacher_rng', 'torch')}; one reference holds one teacher draw"
        )
    run = {
        "experiments": list(experiments),
        "command": command,
        "started": started,
        "finished": finished,
        "wall_seconds": round(float(wall_seconds), 1),
        "train_seconds": round(sum(c["wall_seconds"] for c in new_cells), 1),
        "commit": commit,
        "training_fingerprint": fingerprint,
        "device": ", ".join(sorted({str(c["device"]) for c in new_cells})),
        "machine": _machine(),
        "torch": torch.__version__,
        "threads_per_job": sorted({c["threads"] for c in new_cells if c["threads"] is not None}),
        "runs": int(len(members)),
        "run_steps": int(sum(c["members"] * c["steps"] for c in new_cells)),
        "diverged_runs": int((members["diverged_step"] >= 0).sum()),
        "note": note,
    }
    if named is not None:  # which cells this run retrained, and the shipped entries it replaced
        run["cells"] = sorted("/".join(c) for c in named)
        run["replaced"] = [c for c in old["cells"] if (c["experiment"], c["cell"]) in named]
        run["replaced_best"] = _replaced_best(out_dir, named)
    if old is not None:  # the new runs join the shipped ones, categories rebuilt over both
        joined = []
        for name, new in (("members", members), ("epochs", epochs)):
            kept = pd.read_parquet(out_dir / "runs" / f"{name}.parquet")
            if named is not None:  # the retrained cells' shipped runs are dropped
                kept = kept[~_in_cells(kept, named)]
            both = pd.concat([kept, new], ignore_index=True)
            for col in ("experiment", "cell"):
                both[col] = both[col].astype(str).astype("category")
            joined.append(both)
        members, epochs = joined
    for exp, cell, slim in slims:  # each cell's settings (schedule, steps), without the member list
        io.write_json(out_dir / "runs" / exp / cell / "summary.json", slim)
    io.write_parquet(out_dir / "runs" / "members.parquet", members)
    io.write_parquet(out_dir / "runs" / "epochs.parquet", epochs)
    for exp in experiments:
        for kind in ("best", "by_lr", "history"):
            src = run_dir / "results" / "tables" / f"{exp}_{kind}.parquet"
            _copy(src, out_dir / "tables" / src.name)
    if "fig10" in experiments:
        _copy(
            run_dir / "results" / "tables" / "fig10.parquet", out_dir / "tables" / "fig10.parquet"
        )
    # the plotted numbers of the training figures: all of them for a first run (a figure may be
    # drawn, and its claims judged, from the Hessians and theory of the same run), those of the
    # added experiments' figures for a later one
    figures = set(TRAINING_FIGURES)
    if add:
        figures &= {_FIGURE_OF[e] for e in experiments}
    for csv in sorted((run_dir / "paper" / "figures").glob("*.csv")):
        if csv.name.split("_")[0].split(".")[0] in figures:
            _copy(csv, out_dir / "figures" / csv.name)
    for exp in FINAL_PARAMS_EXPERIMENTS:
        if exp not in experiments:
            continue
        for cdir in sorted((run_dir / "results" / "runs" / exp).iterdir()):
            if named is not None and (exp, cdir.name) not in named:
                continue
            final = torch.load(cdir / "final.pt", map_location="cpu", weights_only=True)
            io.torch_save(out_dir / "runs" / exp / cdir.name / "final.pt", final)
            _copy(cdir / "cell.yaml", out_dir / "runs" / exp / cdir.name / "cell.yaml")
    if old is None:
        prov = {"tier": tier, "teacher_rng": rngs[0] if len(rngs) == 1 else ", ".join(rngs)}
        prov |= {k: run[k] for k in ("commit", "training_fingerprint", "device", "machine")}
        prov |= {k: run[k] for k in ("torch", "threads_per_job", "started", "finished")}
        prov |= {
            "wall_seconds": run["wall_seconds"],
            "train_seconds_total": run["train_seconds"],
            "runs": run["runs"],
            "run_steps": run["run_steps"],
            "diverged_runs": run["diverged_runs"],
            "command": command,
            "note": note,
            "experiments": list(experiments),
            "cells": new_cells,
            "additions": [],
        }
    else:
        prov = {k: v for k, v in old.items() if k != "files"}
        if named is None:
            prov["experiments"] = list(prov["experiments"]) + list(experiments)
            prov["cells"] = list(prov["cells"]) + new_cells
        else:  # each retrained cell's entry is replaced where it stood
            by_name = {(c["experiment"], c["cell"]): c for c in new_cells}
            prov["cells"] = [by_name.get((c["experiment"], c["cell"]), c) for c in prov["cells"]]
        # the totals are those of the runs the folder now holds
        prov["runs"] = int(len(members))
        prov["diverged_runs"] = int((members["diverged_step"] >= 0).sum())
        prov["run_steps"] = int(sum(c["members"] * c["steps"] for c in prov["cells"]))
        prov["train_seconds_total"] = round(sum(c["wall_seconds"] for c in prov["cells"]), 1)
        prov["additions"] = list(prov.get("additions", [])) + [run]
    io.write_text(out_dir / "README.md", readme(prov))
    # last: the hashes of every file written above (checked before the pipeline reads the folder)
    prov["files"] = file_hashes(out_dir)
    io.write_json(out_dir / "provenance.json", prov)
    return prov


def _replaced_best(out_dir: Path, named: set) -> list[dict]:
    """The shipped best-lr rows of cells about to be retrained, with each cell's lr grid, kept in
    the provenance so that the before/after of a retrain stays visible (no loss: None)."""
    import pandas as pd  # heavy: the Snakefile imports this module at every start

    cols = ["cell", "nu0", "theta0", "lr", "mean", "sem", "median", "n_seeds"]
    cols += ["n_diverged", "n_diverged_total", "edge"]
    rows = []
    for exp in sorted({e for e, _ in named}):
        best = pd.read_parquet(out_dir / "tables" / f"{exp}_best.parquet")
        best = best[best["cell"].astype(str).isin({c for e, c in named if e == exp})]
        grids = {}  # cell -> its shipped lr grid, from the cell's settings
        for rec in best[[c for c in cols if c in best.columns]].to_dict("records"):
            if rec["cell"] not in grids:
                summary = out_dir / "runs" / exp / rec["cell"] / "summary.json"
                grids[rec["cell"]] = [
                    float(x) for x in json.loads(summary.read_text())["config"]["lrs"]
                ]
            rec = {
                k: None if isinstance(v, float) and not math.isfinite(v) else v
                for k, v in rec.items()
            }
            rows.append({"experiment": exp, **rec, "grid": grids[rec["cell"]]})
    return rows


def _in_cells(frame, named: set):
    """Which rows (a boolean array) of a members/epochs table belong to the (experiment, cell)
    pairs named."""
    name = frame["experiment"].astype(str) + "/" + frame["cell"].astype(str)
    return name.isin({"/".join(c) for c in named}).to_numpy()


def _retrained_only(run_dir, out_dir, named, members, epochs, cells, slims) -> tuple:
    """The named cells' part of a run's tables, after checking that the run's other cells of the
    same experiments are the reference's own runs (the experiment's tables, taken from the run,
    then describe exactly the folder's runs)."""
    import pandas as pd  # heavy: the Snakefile imports this module at every start

    trained = {(c["experiment"], c["cell"]) for c in cells}
    missing = sorted(named - trained)
    if missing:
        raise UserError(
            f"{run_dir}/results/runs has no trained cell {', '.join('/'.join(c) for c in missing)}"
            "; train it there first"
        )
    shipped = pd.read_parquet(out_dir / "runs" / "members.parquet")
    exps = {e for e, _ in named}
    shipped = shipped[shipped["experiment"].astype(str).isin(exps) & ~_in_cells(shipped, named)]
    others = members[~_in_cells(members, named)]
    key = ["experiment", "cell", "member"]

    def canonical(frame):
        frame = frame.astype({"experiment": str, "cell": str})
        return frame.sort_values(key).reset_index(drop=True)

    if not canonical(others).equals(canonical(shipped[others.columns])):
        raise UserError(
            f"{run_dir}: the other cells of {', '.join(sorted(exps))} are not the reference's runs "
            "(retrained, or a different set of cells), so the experiment's tables would describe "
            "other runs; retrain the cells in the checkout that trained the reference's"
        )
    members = members[_in_cells(members, named)]
    epochs = epochs[_in_cells(epochs, named)]
    cells = [c for c in cells if (c["experiment"], c["cell"]) in named]
    slims = [t for t in slims if (t[0], t[1]) in named]
    return members, epochs, cells, slims


def _copy(src: Path, dst: Path) -> None:
    if not src.exists():
        raise FileNotFoundError(f"{src} is missing: run the paper tier's training figures first")
    with io.atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def _addition_md(run: dict) -> str:
    """The README's paragraph on a run added to the reference after the first one."""
    hours = run["wall_seconds"] / 3600
    if "cells" in run:  # a retrain of cells already held
        title = "Retrained: " + ", ".join(run["cells"])
        replaced = "; ".join(
            f"{c['experiment']}/{c['cell']} ({c['members']} runs, config hash {c['config_hash']})"
            for c in run["replaced"]
        )
        title += f"\n- **Replaces:** the earlier runs of these cells: {replaced}"
    else:
        title = "Added: " + ", ".join(run["experiments"])
    return f"""
## {title}
- **Made with:** `{run["command"]}`
- **Code:** commit `{run["commit"]}`, training fingerprint `{run["training_fingerprint"]}`
- **Machine:** {run["machine"]}; device `{run["device"]}`, torch {run["torch"]},
  {", ".join(str(t) for t in run["threads_per_job"])} thread(s) per training job
- **When:** {run["started"]} to {run["finished"]}, {run["wall_seconds"]:.0f} s wall
  ({hours:.2f} h; {run["train_seconds"]:.0f} s of training-job time)
- **Size:** {run["runs"]} runs, {run["run_steps"]:,} run-steps, {run["diverged_runs"]} diverged runs
{("- **Note:** " + run["note"] + chr(10)) if run.get("note") else ""}"""


def readme(prov: dict) -> str:
    additions = prov.get("additions", [])
    first = [e for e in prov["experiments"] if not any(e in a["experiments"] for a in additions)]
    hours = prov["wall_seconds"] / 3600
    rows = "\n".join(
        f"| {c['experiment']} | {c['cell']} | {c['members']} | {c['wall_seconds']:.0f} |"
        for c in prov["cells"]
    )
    optimizers = (
        "The optimizer study beyond the paper (experiment `optimizers`, its full grid) was trained "
        "later and added to the folder (below)."
        if any("optimizers" in a["experiments"] for a in additions)
        else "The optimizer study beyond the paper is not part of it."
    )
    added = "".join(_addition_md(a) for a in additions)
    # a backslash at a line end below joins the two lines (a Markdown table row is one line)
    return f"""# Paper-tier reference run

One run of the paper's training grids, exactly as `config.yaml` states them (every task point,
every lr, 10 seeds, 10,000 steps; single runs for Figs 4 and 9), for every training figure of the
paper (Figs 3, 4, 9, 10 bottom, 11 and their as-published variants).  {optimizers}
The default run draws these numbers beside its own reduced ones
and judges every training claim on both; `snakemake --cores all --config tier=paper runs=reference`
rebuilds every paper-tier figure, table and claim from this folder without training.

- **Teacher:** `task.teacher_rng: {prov.get("teacher_rng", "torch")}` ({
        "the paper's own draw, JAX's PRNGKey(42) recomputed in NumPy"
        if prov.get("teacher_rng") == "jax"
        else "a second draw of the teacher recipe, not the paper's"
    }; docs/METHODS.md §3.1)
- **Experiments:** {", ".join(first)}{"" if not additions else " (the first run, described here)"}
- **Made with:** `{prov["command"]}`
- **Code:** commit `{prov["commit"]}`, training fingerprint `{prov["training_fingerprint"]}`
  (the pipeline compares it with the checkout's and says in the PDF when they differ)
- **Machine:** {prov["machine"]}; device `{prov["device"]}`, torch {prov["torch"]},
  {", ".join(str(t) for t in prov["threads_per_job"])} thread(s) per training job
- **When:** {prov["started"]} to {prov["finished"]}, {prov["wall_seconds"]:.0f} s wall
  ({hours:.2f} h)
- **Size (whole folder):** {prov["runs"]} runs, {prov["run_steps"]:,} run-steps, \
{prov["diverged_runs"]} diverged runs, {prov["train_seconds_total"]:.0f} s of training-job time
{("- **Note:** " + prov["note"] + chr(10)) if prov.get("note") else ""}{added}
## Files
| path | what |
|---|---|
| `tables/<experiment>_{{best,by_lr,history}}.parquet`, `tables/fig10.parquet` | aggregated \
tables, same schemas as `results/tables/` (docs/LAYOUT.md) |
| `figures/*.csv` | plotted numbers of the training figures at the paper tier |
| `runs/members.parquet` | one row per run: experiment, cell, member, point, nu0, theta0, lr, \
seed, final_train_loss (mean over the last epoch), validation_loss, diverged_step (-1: never) |
| `runs/epochs.parquet` | experiment, cell, member, epoch, train_loss (per-epoch mean, float32 \
as trained) |
| `runs/<experiment>/<cell>/summary.json` | the cell's settings (config, config hash) and \
wall time |
| `runs/fig4/*/`, `runs/fig9/*/` | `final.pt` (final parameters, per-entry effective lrs; load \
with `torch.load(..., weights_only=True)`) and `cell.yaml` |
| `provenance.json` | the facts above, per cell: members, steps, wall seconds, config hash; the \
runs added later (`additions`); the sha256 and size of every other file but this README \
(`files`), checked before the pipeline reads the folder |

## Cells
| experiment | cell | runs | wall seconds |
|---|---|---|---|
{rows}
"""


@_cli_errors
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m curse_of_memory.provenance",
        description="Pack a finished paper-tier run into the reference folder.",
    )
    sub = ap.add_subparsers(dest="verb", required=True)
    p = sub.add_parser(
        "pack", help="build (or add to) results/reference/paper from a finished paper-tier run"
    )
    p.add_argument("run_dir", help="root of the checkout that ran the paper tier")
    p.add_argument("out_dir", nargs="?", default=str(REFERENCE_DIR))
    p.add_argument("--command", required=True, help="the exact command that ran the paper tier")
    p.add_argument("--started", required=True)
    p.add_argument("--finished", required=True)
    p.add_argument("--wall-seconds", type=float, required=True)
    p.add_argument("--commit", default=None)
    p.add_argument("--note", default="", help="how the run went (interruptions, shared machine)")
    p.add_argument(
        "--experiments",
        nargs="+",
        default=None,
        help=f"which experiments to take (default: every one of {', '.join(REFERENCE_EXPERIMENTS)} "
        "the run trained)",
    )
    p.add_argument(
        "--add",
        action="store_true",
        help="add the experiments to the reference already in out_dir (a later run)",
    )
    p.add_argument(
        "--cells",
        nargs="+",
        default=None,
        help="with --add: retrain these held cells (experiment/cell), replacing their runs",
    )
    p.add_argument(
        "--fingerprint",
        default=None,
        help="training fingerprint of the code that trained (default: run_dir's src/)",
    )
    f = sub.add_parser("fingerprint", help="print the training fingerprint of a package folder")
    f.add_argument("package_root", nargs="?", default=str(Path(__file__).resolve().parent))
    h = sub.add_parser(
        "hash", help="record the sha256 of every file of a reference folder in its provenance.json"
    )
    h.add_argument("folder", nargs="?", default=str(REFERENCE_DIR))
    v = sub.add_parser("verify", help="check a reference folder's files against their sha256")
    v.add_argument("folder", nargs="?", default=str(REFERENCE_DIR))
    a = ap.parse_args(argv)
    if a.verb == "fingerprint":
        print(training_fingerprint(a.package_root))
        return 0
    if a.verb == "hash":
        prov = record_hashes(a.folder)
        print(f"{a.folder}: sha256 of {len(prov['files'])} files recorded", file=sys.stderr)
        return 0
    if a.verb == "verify":
        verify_reference(a.folder)
        if read_provenance(a.folder) is None:
            raise UserError(f"{a.folder}/provenance.json is missing; nothing to verify")
        print(f"{a.folder}: every file matches its recorded sha256", file=sys.stderr)
        return 0
    run_dir = Path(a.run_dir)
    if not any((run_dir / "results" / "runs" / e).is_dir() for e in REFERENCE_EXPERIMENTS):
        raise UserError(
            f"{run_dir}/results/runs holds none of the reference's experiments "
            f"({', '.join(REFERENCE_EXPERIMENTS)}); give the root of the checkout that ran the "
            "paper tier"
        )
    package = run_dir / "src" / "curse_of_memory"
    if a.fingerprint is None and not package.is_dir():
        raise UserError(
            f"{package} is missing, so the training fingerprint cannot be computed; pass "
            "--fingerprint (`python -m curse_of_memory.provenance fingerprint PACKAGE_FOLDER` "
            "prints it for the code that trained)"
        )
    fp = a.fingerprint or training_fingerprint(package)
    prov = pack(
        a.run_dir,
        a.out_dir,
        command=a.command,
        started=a.started,
        finished=a.finished,
        wall_seconds=a.wall_seconds,
        commit=a.commit,
        fingerprint=fp,
        note=a.note,
        experiments=a.experiments,
        add=a.add,
        cells=a.cells,
    )
    print(
        f"{a.out_dir}: {prov['runs']} runs, {prov['run_steps']:,} run-steps, fingerprint {fp}",
        file=sys.stderr,
    )
    return 0


# --- the quick tier's lr window, centred on the reference ---------------------------------------
def reference_lr_window(grid: list[float], best_lrs: list[float], k: int) -> list[float] | None:
    """The k consecutive values of a cell's paper lr ``grid`` centred on the reference's best lrs.

    ``best_lrs``: the reference's best lr (default rule) at each of the cell's task points.  The
    centre is the median of their positions in the grid (for an even count, the lower middle
    position, i.e. the larger lr as the grids are listed); the window is shifted to stay inside
    the grid.  None when no best lr lies on the grid (the caller keeps the central window)."""
    grid = [float(x) for x in grid]
    if k >= len(grid):
        return grid
    idx = sorted(
        i
        for lr in best_lrs
        for i, g in enumerate(grid)
        if lr == lr and abs(g - float(lr)) <= 1e-9 * abs(g)
    )
    if not idx:
        return None
    centre = idx[(len(idx) - 1) // 2]
    start = min(max(centre - (k - 1) // 2, 0), len(grid) - k)
    return grid[start : start + k]


def reference_best_lrs(ref_dir: str | Path = REFERENCE_DIR) -> dict[tuple[str, str], list[float]]:
    """{(experiment, cell): [best lr at each task point]} from the reference's best-lr tables."""
    import pandas as pd  # heavy: the Snakefile imports this module at every start

    out: dict[tuple[str, str], list[float]] = {}
    prov = read_provenance(ref_dir)
    if prov is None:
        return out
    for exp in prov.get("experiments", []):
        path = Path(ref_dir) / "tables" / f"{exp}_best.parquet"
        if not path.exists():
            continue
        best = pd.read_parquet(path, columns=["cell", "lr"])
        for cell, d in best.groupby("cell", sort=False):
            out[(exp, str(cell))] = [float(x) for x in d["lr"]]
    return out


if __name__ == "__main__":
    sys.exit(main())
