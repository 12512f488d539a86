"""Numbers quoted in paper/main.tex, as LaTeX macros (paper/generated/numbers.tex).

Every number the text quotes is a macro defined here, computed from the claims check or the run's
configuration, so text, tables and figures never disagree.  A number whose source was not produced
in this run prints as "n/a" (the build never breaks on a partial run).  ``MACROS`` is the complete
list; tests check that main.tex uses no number macro outside it.
"""

from __future__ import annotations

import re

from curse_of_memory.cell import DEFAULTS
from curse_of_memory.claims.render import _fmt, tex_escape, tex_int
from curse_of_memory.data.text import describe

# macro name -> (claim id, value key): a measured number from results/claims.json
CLAIM_NUMBERS = {
    "RnnLruRatioNinetyNine": ("fig3.gap_at_099", "ratio"),
    "RnnLossNinetyNine": ("fig3.gap_at_099", "rnn_099"),
    "LruLossNinetyNine": ("fig3.gap_at_099", "lru_099"),
    "RnnDegradation": ("fig3.rnn_degrades", "ratio"),
    "BlockDiagonalGain": ("fig3.block_diagonal_closes_gap", "gain"),
    "BlockDiagonalGapFraction": ("fig3.block_diagonal_closes_gap", "gap_fraction"),
    "HeadsLossRatio": ("fig11.loss_falls_with_heads", "ratio_1_32"),
    "HeadsElrRatio": ("fig11.elr_rises_with_heads", "ratio"),
    "ThetaTopEigRatio": ("fig10.concentrated_phases_sharpen", "ratio"),
    "CrnnLambdaGradGrowth": ("fig5.gradients", "crnn_lambda"),
    "LruThetaGradGrowth": ("fig5.gradients", "lru_theta"),
    "FitRone": ("fig12.white_plus_slow", "r1"),
    "FitTau": ("fig12.white_plus_slow", "tau"),
}

# macro name -> meaning; computed from the configuration and the claims summary
RUN_NUMBERS = (
    "TierName",
    "TierNote",
    "TeacherDraw",
    "SeedsTraining",
    "StepsTraining",
    "LrsPerGrid",
    "DataSource",
    "ClaimsTotal",
    "ClaimsPass",
    "ClaimsFail",
    "ClaimsNotEvaluated",
    "ClaimsError",
    "ClaimsFigures",
    "PredictionsTotal",
    "PredictionsPass",
    "TheoryNote",
    "DataNote",
    "SignalWindows",
    "SignalBatches",
    "SignalBatchSize",
    "GruSeeds",
    "ToySteps",
)

MACROS = tuple(CLAIM_NUMBERS) + RUN_NUMBERS


def training_budget(training: dict) -> dict:
    """Seeds, steps and lrs per grid of a cell in this tier (METHODS §1.6; the tier's reduce
    rule); what ``training.defaults`` leaves out is the cell spec's default (``cell.DEFAULTS``)."""
    d = (training or {}).get("defaults", {})
    r = (training or {}).get("reduce") or {}
    seeds, steps = d.get("seeds", DEFAULTS["seeds"]), d.get("steps", DEFAULTS["steps"])
    seeds = min(seeds, r.get("seeds", seeds))
    steps = steps // r.get("steps_divisor", 1)
    if "lrs" not in r:
        lrs = "the paper's full"
    elif r.get("lr_centre") == "reference":
        lrs = (
            f"{r['lrs']} consecutive values, centred on the reference run's best lr, of the paper's"
        )
    else:
        lrs = f"{r['lrs']} central values of the paper's"
    return {"seeds": seeds, "steps": steps, "lrs": lrs}


def _get(cfg, path, default):
    for key in path:
        if not isinstance(cfg, dict) or key not in cfg:
            return default
        cfg = cfg[key]
    return cfg


def _note(tier, what):
    return r"\textcolor{failred}{[" + tex_escape(tier) + f" tier: {what}]}} "


def macros(
    records: list[dict],
    tier: str,
    training: dict | None = None,
    data_source: str = "",
    resolved: dict | None = None,
    paper: dict | None = None,
) -> dict[str, str]:
    """The macro values.  ``resolved``: the run's configuration (tier merged in); ``paper``: the
    paper-tier configuration; a section that differs between them gets a reduced-tier note."""
    by_id = {r["id"]: r for r in records}
    out = {}
    for name, (cid, key) in CLAIM_NUMBERS.items():
        r = by_id.get(cid)
        v = r["values"].get(key) if r and r.get("status") != "not evaluated" else None
        out[name] = "n/a" if v is None else _tex_number(v)
    b = training_budget(training or {})
    task = (training or {}).get("defaults", {}).get("task", {})
    teacher_rng = task.get("teacher_rng", DEFAULTS["task"]["teacher_rng"])
    # the paper's claims; the project's own predictions (kind "prediction") are counted apart
    paper_recs = [r for r in records if r.get("kind") != "prediction"]
    own = [r for r in records if r.get("kind") == "prediction"]
    statuses = ("pass", "fail", "not evaluated", "error")
    n = {s: sum(r["status"] == s for r in paper_recs) for s in statuses}
    out |= {
        "TierName": tex_escape(tier),
        "TierNote": ""
        if tier == "paper"
        else (
            r"\textcolor{failred}{["
            + tex_escape(tier)
            + " tier: "
            + f"{b['seeds']} seeds, {tex_int(b['steps'])} steps"
            + ", "
            + tex_escape(b["lrs"])
            + " lr grid]} "
        ),
        "TeacherDraw": "the paper's own teacher draw"
        if teacher_rng == "jax"
        else "a second teacher draw (not the paper's)",
        "SeedsTraining": str(b["seeds"]),
        "StepsTraining": tex_int(b["steps"]),
        "LrsPerGrid": tex_escape(b["lrs"]),
        "DataSource": tex_escape(data_source or "not recorded"),
        "ClaimsTotal": str(len(paper_recs)),
        "ClaimsPass": str(n["pass"]),
        "ClaimsFail": str(n["fail"]),
        "ClaimsNotEvaluated": str(n["not evaluated"]),
        "ClaimsError": str(n["error"]),
        "ClaimsFigures": str(len({r["figure"] for r in paper_recs})),
        "PredictionsTotal": str(len(own)),
        "PredictionsPass": str(sum(r["status"] == "pass" for r in own)),
    }
    res, pap = resolved or {}, paper or {}
    reduced = {sec: tier != "paper" and res.get(sec) != pap.get(sec) for sec in ("theory", "data")}
    out["TheoryNote"] = _note(tier, "reduced grids") if reduced["theory"] else ""
    out["DataNote"] = _note(tier, "fewer windows and seeds") if reduced["data"] else ""
    n_seq = int(_get(res, ("data", "signal", "n_sequences"), 128))
    bs = int(_get(res, ("data", "signal", "batch_size"), 16))
    out |= {
        "SignalWindows": str(n_seq),
        "SignalBatchSize": str(bs),
        "SignalBatches": str(max(n_seq // max(bs, 1), 1)),
        "GruSeeds": str(_get(res, ("data", "fig15", "seeds"), 100)),
        "ToySteps": tex_int(_get(res, ("theory", "fig7", "steps"), 50000)),
    }
    return out


def _tex_number(v: float) -> str:
    s = _fmt(float(v))
    m = re.fullmatch(r"(-?[\d.]+)e([+-])0*(\d+)", s)
    if m:
        sign = "-" if m.group(2) == "-" else ""
        return f"\\ensuremath{{{m.group(1)}\\times10^{{{sign}{m.group(3)}}}}}"
    return s


def to_latex(defs: dict[str, str]) -> str:
    lines = ["% generated by curse_of_memory.report.numbers -- do not edit"]
    for name in MACROS:
        lines.append(f"\\newcommand{{\\{name}}}{{{defs[name]}}}")
    return "\n".join(lines) + "\n"


def data_source(data_cfg: dict) -> str:
    """A short name of the real-data source for captions (the resolved data section)."""
    return describe(data_cfg["text"])
