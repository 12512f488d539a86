"""Adam's per-entry effective learning rates of a trained cell (METHODS §1.5; Figs 4, 9 bottom).

* :func:`read_final` - the effective lrs, base lrs and step count stored in a cell's ``final.pt``.
* :func:`kind_of_model`, :func:`elr_by_group` - the entries of one member grouped in the explicit
  group order of the Hessian panels (:data:`curse_of_memory.hessian.measured.GROUPS`).
* :func:`trained_elr` - both at once: one member's grouped effective lrs, base lr and step count.
* :func:`probe_ceiling` - the effective lr of a coordinate whose moments are zero (the largest
  value the probe can report).
* :func:`log10_summary`, :func:`elr_summary`, :func:`elr_entries` - the plotted numbers of one
  group: log10 range, fractions below the base lr and below a tenth of the ceiling, per-entry log10.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import yaml

from curse_of_memory.errors import ConfigError, DataError
from curse_of_memory.hessian.measured import GROUPS

ADAM_B1, ADAM_B2, ADAM_EPS = 0.9, 0.999, 1e-8


def kind_of_model(spec: dict) -> str:
    """The Hessian/strip-plot kind of a core-library model spec."""
    name = spec.get("name")
    if name == "rnn":
        return "rnn"
    if name == "s4":
        return "s4"
    if name == "lru":
        if spec.get("param", "exp") == "reim" and spec.get("gamma", "learned") == "none":
            return "crnn"
        if spec.get("param", "exp") == "exp" and spec.get("gamma", "learned") == "learned":
            return "lru"
    raise ConfigError(
        "model",
        f"no strip-plot grouping for model {spec!r}",
        "rnn, lru (reim + none), lru (exp + learned), s4",
    )


def elr_by_group(elr: dict[str, torch.Tensor], kind: str, member: int = 0) -> list[tuple]:
    """[(group name, label, per-entry e (numpy 1-D)), ...] of one member, in the explicit order.

    ``elr``: {parameter name: tensor with leading member dim} as the engine stores them.
    """
    if kind not in GROUPS:
        raise ConfigError("hessian.kind", f"unknown student {kind!r}", ", ".join(GROUPS))
    out = []
    for name, label, tensor, index in GROUPS[kind]:
        if tensor not in elr:
            raise DataError(
                f"final.pt has no effective lrs for {tensor!r} (has {sorted(elr)}); "
                "retrain the cell with the current engine"
            )
        t = torch.as_tensor(elr[tensor]).detach().to(torch.float64).cpu().numpy()
        idx = (member,) + tuple(index[1:]) if index else (member,)
        out.append((name, label, np.asarray(t[idx]).reshape(-1)))
    return out


def read_final(path) -> dict:
    """The per-entry effective lrs of a trained cell's ``final.pt`` (written by
    ``curse_of_memory.train``: keys ``elr_params`` {parameter name: tensor (M, ...)}, ``members``
    [{lr, ...}], ``model``).  The number of updates applied comes from ``steps`` of the
    ``cell.yaml`` beside it (None if absent).

    Returns {"elr": {parameter name: tensor (M, ...)}, "lr": per-member base lr (numpy),
    "step": int or None, "model": the model spec or None}.
    """
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)  # tensors and plain data only
    except Exception as exc:  # noqa: BLE001 - any unreadable file is a data error
        raise DataError(
            f"{path}: cannot read ({exc.__class__.__name__}); delete it and rerun the training cell"
        ) from None
    keys = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
    elr = obj.get("elr_params") if isinstance(obj, dict) else None
    if not isinstance(elr, dict):
        raise DataError(
            f"{path}: no per-entry effective lrs 'elr_params' (keys: {keys}); "
            "retrain the cell with the current engine"
        )
    members = obj.get("members")
    if not (isinstance(members, (list, tuple)) and members and all("lr" in m for m in members)):
        raise DataError(
            f"{path}: no per-member learning rates 'members' (keys: {keys}); "
            "retrain the cell with the current engine"
        )
    lr = np.asarray([m["lr"] for m in members], dtype=np.float64)
    step = obj.get("step")
    cell_yaml = Path(path).with_name("cell.yaml")
    if step is None and cell_yaml.exists():
        try:
            step = (yaml.safe_load(cell_yaml.read_text()) or {}).get("steps")
        except yaml.YAMLError:
            step = None
    return {
        "elr": elr,
        "lr": lr,
        "step": None if step is None else int(step),
        "model": obj.get("model"),
    }


def trained_elr(final_path, model_spec: dict, member: int = 0) -> dict:
    """One member's effective lrs from a cell's ``final.pt``: {"groups": [(group name, label,
    per-entry e), ...] in the explicit order, "lr": its base lr, "step": updates applied (or None),
    "source": the path}."""
    kind = kind_of_model(model_spec)
    fin = read_final(final_path)
    if fin["lr"] is None:
        raise DataError(f"{final_path}: no learning rate recorded; retrain the cell")
    return {
        "groups": elr_by_group(fin["elr"], kind, member),
        "lr": float(fin["lr"][member]),
        "step": fin["step"],
        "source": str(final_path),
    }


def probe_ceiling(lr: float, step: int | None) -> float:
    """e of a coordinate with m = v = 0 after ``step`` updates (METHODS §1.5); ≈ 3.16·lr for
    s ≫ 1000."""
    s = 10**9 if step is None else int(step)
    num = (1 - ADAM_B1) / (1 - ADAM_B1 ** (s + 1))
    den = np.sqrt((1 - ADAM_B2) / (1 - ADAM_B2 ** (s + 1))) + ADAM_EPS
    return float(lr * num / den)


def log10_summary(e) -> dict:
    """{n, n_nonpos, log10_min, log10_median, log10_max} of per-entry effective lrs ``e``.

    Entries with e ≤ 0 (or non-finite) have no logarithm: they are counted in ``n_nonpos`` and left
    out of the log10 statistics (NaN when no entry is left)."""
    e = np.asarray(e, dtype=np.float64).reshape(-1)
    ok = np.isfinite(e) & (e > 0)
    if ok.any():
        le = np.log10(e[ok])
        lo, med, hi = float(np.nanmin(le)), float(np.nanmedian(le)), float(np.nanmax(le))
    else:
        lo = med = hi = float("nan")
    return {
        "n": int(e.size),
        "n_nonpos": int((~ok).sum()),
        "log10_min": lo,
        "log10_median": med,
        "log10_max": hi,
    }


def elr_summary(e, lr: float, step: int | None) -> dict:
    """:func:`log10_summary` of one group plus the fractions of its positive entries below the base
    lr and below a tenth of :func:`probe_ceiling` (NaN without positive entries), ``base_lr``,
    ``ceiling`` and ``step``."""
    e = np.asarray(e, dtype=np.float64)
    ceiling = probe_ceiling(lr, step)
    ok = e[e > 0]
    return {
        **log10_summary(e),
        "frac_below_base_lr": float(np.mean(ok < lr)) if ok.size else np.nan,
        "frac_below_ceiling_over_10": float(np.mean(ok < ceiling / 10)) if ok.size else np.nan,
        "base_lr": lr,
        "ceiling": ceiling,
        "step": step,
    }


def elr_entries(e) -> dict:
    """Columns of the per-entry table of one group: entry (index), e, log10_e (NaN where e ≤ 0),
    nonpos (e ≤ 0 or NaN)."""
    e = np.asarray(e, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        le = np.where(e > 0, np.log10(e), np.nan)
    return {"entry": np.arange(e.size), "e": e, "log10_e": le, "nonpos": ~(e > 0)}
