"""Aggregation over seeds for every training figure (METHODS §1.6, §7 item 16).

* A run's **final training loss** is the mean of its minibatch losses over the last epoch, i.e. the
  ``train_loss`` of its last logged epoch; a diverged run's final loss is NaN.
* Per (configuration, lr): the mean and the SEM (ddof = 1) of the final losses over seeds, their
  median (by the same rule as the mean: NaN when a seed diverged; ``median_nan`` over the finite
  seeds, beside ``mean_nan``), the number of seeds and of diverged seeds.
* **Default rule:** an lr with any diverged seed is not eligible; the best lr of a configuration is
  the eligible lr with the lowest mean.  If no lr is eligible, the published rule picks it and the
  point is ``flagged``.
* **Published rule** (the original's, for the errata): diverged seeds are silently skipped (NaN
  means), the lr with the lowest NaN-skipping mean wins.
* ``*_norm`` columns: the loss divided by the teacher's stationary output variance at that point.

A *configuration* is identified by ``keys`` (by default the cell and the task point).

``read_run_file`` reads a training run's output (``metrics.parquet``, ``elr.parquet``,
``teachers.json``); a truncated or corrupt one is a one-line DataError naming the file.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from curse_of_memory.errors import DataError

POINT = ["nu0", "theta0"]
DEFAULT_KEYS = ["experiment", "cell", "nu0", "theta0"]


def read_run_file(path):
    """A run's ``.parquet`` table or ``.json`` content; unreadable -> DataError naming the file."""
    path = Path(path)
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # ArrowInvalid, JSONDecodeError, UnicodeDecodeError
        if isinstance(exc, OSError) and not path.is_file():
            raise
        reason = " ".join(str(exc).split())[:120]
        raise DataError(
            f"{path} is truncated or corrupt ({type(exc).__name__}: {reason}); delete it and rerun "
            "snakemake (it trains that cell again)"
        ) from exc


def _require(df: pd.DataFrame, cols, what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"{what} lacks columns {missing}; regenerate it (rerun the training rule)")


def final_losses(metrics: pd.DataFrame) -> pd.DataFrame:
    """One row per member: its task point, lr, seed, final loss (NaN if diverged) and
    ``diverged``."""
    _require(metrics, ["member", "nu0", "theta0", "lr", "seed", "epoch", "train_loss"], "metrics")
    df = metrics.copy()
    if "diverged" not in df.columns:
        df["diverged"] = False
    df["diverged"] = df["diverged"].fillna(False).astype(bool)
    extra = [c for c in ("experiment", "cell") if c in df.columns]
    ids = extra + ["member", "nu0", "theta0", "lr", "seed"]
    div = df.groupby(ids, sort=False)["diverged"].any()
    last = df.sort_values("epoch").groupby(ids, sort=False).tail(1).set_index(ids)
    out = last[["epoch", "train_loss"]].rename(
        columns={"train_loss": "final_loss", "epoch": "last_epoch"}
    )
    out["diverged"] = div.reindex(out.index).to_numpy() | ~np.isfinite(out["final_loss"].to_numpy())
    out.loc[out["diverged"], "final_loss"] = np.nan
    return out.reset_index()


def _sem(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=float)
    if len(x) < 2:
        return math.nan
    return float(np.std(x, ddof=1) / math.sqrt(len(x)))


def by_lr(finals: pd.DataFrame, keys=None) -> pd.DataFrame:
    """Per (configuration, lr): n_seeds, n_diverged, mean, sem and median (over all seeds; NaN
    when any seed diverged), mean_nan, sem_nan and median_nan (over the finite seeds: the
    published NaN-skipping values), eligible."""
    keys = [k for k in (keys or DEFAULT_KEYS) if k in finals.columns]
    rows = []
    for group, df in finals.groupby(keys + ["lr"], sort=True, dropna=False):
        loss = df["final_loss"].to_numpy(dtype=float)
        finite = loss[np.isfinite(loss)]
        n_div = int(df["diverged"].sum())
        all_ok = n_div == 0 and len(finite) == len(loss)
        rows.append(
            dict(
                zip(keys + ["lr"], group),
                n_seeds=len(loss),
                n_diverged=n_div,
                mean=float(loss.mean()) if all_ok else math.nan,
                sem=_sem(loss) if all_ok else math.nan,
                mean_nan=float(finite.mean()) if len(finite) else math.nan,
                sem_nan=_sem(finite),
                eligible=bool(all_ok and len(loss) > 0),
                median=float(np.median(loss)) if all_ok and len(loss) else math.nan,
                median_nan=float(np.median(finite)) if len(finite) else math.nan,
            )
        )
    cols = keys + ["lr", "n_seeds", "n_diverged", "mean", "sem", "mean_nan", "sem_nan", "eligible"]
    cols += ["median", "median_nan"]
    return pd.DataFrame(rows, columns=cols)


def best_lr(table: pd.DataFrame, keys=None) -> pd.DataFrame:
    """Best lr per configuration by the default rule, plus the published rule's pick.

    Columns: keys, lr, mean, sem, n_seeds, n_diverged (at the chosen lr), n_diverged_total (all
    lrs), n_lrs, flagged (no eligible lr: the published rule chose), edge (the chosen lr is the
    smallest or largest of a grid of >= 2), lr_published, mean_published, sem_published, and
    median: the seed median at the chosen lr, by the rule that gave its mean (``median``, or
    ``median_nan`` for a flagged point; the lr is chosen on the mean alone).
    """
    keys = [k for k in (keys or DEFAULT_KEYS) if k in table.columns]
    rows = []
    for group, df in table.groupby(keys, sort=True, dropna=False):
        group = group if isinstance(group, tuple) else (group,)
        df = df.sort_values("lr", ascending=False).reset_index(drop=True)
        nan_ok = df[np.isfinite(df["mean_nan"])]
        pub = nan_ok.loc[nan_ok["mean_nan"].idxmin()] if len(nan_ok) else None
        eligible = df[df["eligible"] & np.isfinite(df["mean"])]
        median = math.nan
        if len(eligible):
            pick = eligible.loc[eligible["mean"].idxmin()]
            lr, mean, sem, flagged = pick["lr"], pick["mean"], pick["sem"], False
            median = pick.get("median", math.nan)
        elif pub is not None:
            pick = pub
            lr, mean, sem, flagged = pub["lr"], pub["mean_nan"], pub["sem_nan"], True
            median = pub.get("median_nan", math.nan)
        else:
            pick, lr, mean, sem, flagged = None, math.nan, math.nan, math.nan, True
        lrs = df["lr"].to_numpy()
        edge = bool(len(lrs) >= 2 and pick is not None and lr in (lrs.max(), lrs.min()))
        rows.append(
            dict(
                zip(keys, group),
                lr=float(lr),
                mean=float(mean),
                sem=float(sem),
                n_seeds=int(pick["n_seeds"]) if pick is not None else int(df["n_seeds"].max()),
                n_diverged=int(pick["n_diverged"])
                if pick is not None
                else int(df["n_diverged"].max()),
                n_diverged_total=int(df["n_diverged"].sum()),
                n_lrs=len(df),
                flagged=flagged,
                edge=edge,
                lr_published=float(pub["lr"]) if pub is not None else math.nan,
                mean_published=float(pub["mean_nan"]) if pub is not None else math.nan,
                sem_published=float(pub["sem_nan"]) if pub is not None else math.nan,
                median=float(median),
            )
        )
    return pd.DataFrame(rows)


def normalise(
    table: pd.DataFrame,
    variances: pd.DataFrame,
    columns=("mean", "sem", "mean_published", "sem_published", "mean_nan", "sem_nan"),
):
    """Add ``<col>_norm`` = col / teacher output variance, matched on the task point."""
    _require(variances, POINT + ["teacher_var"], "teacher variances")
    out = table.merge(
        variances[POINT + ["teacher_var"]].drop_duplicates(POINT), on=POINT, how="left"
    )
    for col in columns:
        if col in out.columns:
            out[f"{col}_norm"] = out[col] / out["teacher_var"]
    return out


def history(metrics: pd.DataFrame, elr: pd.DataFrame | None = None, keys=None) -> pd.DataFrame:
    """Per (configuration, lr, epoch): seed mean and SEM of the training loss (diverged seeds
    excluded from the mean, counted in ``n_diverged``), and the seed mean of each parameter
    group's "Mean LR" (``elr_<group>``), of its geometric mean over the positive entries only
    (``elrpos_<group>``, the second-moment scaling without the first moment's sign) and of its
    fraction of entries <= 0 (``nonpos_<group>``)."""
    keys = [k for k in (keys or DEFAULT_KEYS) if k in metrics.columns] + ["lr", "epoch"]
    df = metrics.copy()
    if "diverged" not in df.columns:
        df["diverged"] = False
    div = df.groupby("member")["diverged"].transform("any").astype(bool)
    loss = df["train_loss"].where(~div & np.isfinite(df["train_loss"]))
    df = df.assign(loss_ok=loss, div_member=div)
    g = df.groupby(keys, sort=True)
    out = pd.DataFrame(
        {
            "loss_mean": g["loss_ok"].mean(),
            "loss_sem": g["loss_ok"].agg(lambda x: _sem(x.dropna().to_numpy())),
            "n_seeds": g["member"].nunique(),
            "n_diverged": df[df["div_member"]].groupby(keys)["member"].nunique(),
        }
    )
    out["n_diverged"] = out["n_diverged"].fillna(0).astype(int)
    if elr is not None and len(elr):
        _require(elr, ["member", "epoch", "group", "mean"], "elr")
        ids = metrics.drop_duplicates("member").set_index("member")
        e = elr.join(ids[[k for k in keys if k not in ("epoch",)]], on="member")
        e = e[~e["member"].isin(df.loc[df["div_member"], "member"].unique())]
        piv = e.groupby(keys + ["group"])["mean"].mean().unstack("group")
        piv.columns = [f"elr_{c}" for c in piv.columns]
        out = out.join(piv, how="left")
        if "nonpos_frac" in e.columns:
            pn = e.groupby(keys + ["group"])["nonpos_frac"].mean().unstack("group")
            pn.columns = [f"nonpos_{c}" for c in pn.columns]
            out = out.join(pn, how="left")
        if "pos_mean" in e.columns:
            pp = e.groupby(keys + ["group"])["pos_mean"].mean().unstack("group")
            pp.columns = [f"elrpos_{c}" for c in pp.columns]
            out = out.join(pp, how="left")
    return out.reset_index()


_VAR_KEYS = ("output_variance", "stationary_output_variance", "teacher_var", "variance")


def teacher_variances(teachers) -> pd.DataFrame:
    """Task points and teacher stationary output variances from a cell's teachers.json content
    (a list of per-point records, or ``{"points": [...]}``)."""
    records = (
        teachers.get("points", teachers.get("teachers")) if isinstance(teachers, dict) else teachers
    )
    rows = []
    for rec in records or []:
        key = next((k for k in _VAR_KEYS if k in rec), None)
        if key is None or "nu0" not in rec or "theta0" not in rec:
            raise DataError(
                "teachers.json record lacks nu0/theta0/output variance; "
                "regenerate it (rerun the training rule)"
            )
        rows.append(
            {
                "nu0": float(rec["nu0"]),
                "theta0": float(rec["theta0"]),
                "teacher_var": float(rec[key]),
            }
        )
    return pd.DataFrame(rows, columns=["nu0", "theta0", "teacher_var"])
