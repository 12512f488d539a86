"""The paper folder: numbers as macros, results tables, errata, the plotting style and the PDF."""

import math
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from curse_of_memory.claims import core, render
from curse_of_memory.report import errata, numbers
from curse_of_memory.report import tables as rt

ROOT = Path(__file__).resolve().parents[1]
MAIN_TEX = ROOT / "paper" / "main.tex"


# --- numbers ----------------------------------------------------------------------------------
def _records(tmp_path):
    src = core.Sources(tmp_path / "f", tmp_path / "t", tmp_path / "r")
    return core.evaluate(src)


def test_every_number_main_tex_quotes_is_defined(tmp_path):
    defined = set(numbers.MACROS)
    used = set(re.findall(r"\\([A-Z][A-Za-z]+)", MAIN_TEX.read_text()))
    # capitalised macros of main.tex that are not LaTeX's own must come from numbers.tex
    latex = {
        "IfFileExists",
        "Delta",
        "LTcapwidth",
        "Gin",
    }  # LaTeX's own capitalised macros in main.tex
    assert used - defined - latex == set(), (
        "main.tex quotes numbers that numbers.tex does not define"
    )
    assert {"RnnLruRatioNinetyNine", "TierNote", "ClaimsFail"} <= used
    for cid, key in numbers.CLAIM_NUMBERS.values():
        assert any(c.id == cid for c in core.CLAIMS), cid


def test_numbers_na_when_not_evaluated_and_values_when_evaluated(tmp_path):
    recs = _records(tmp_path)
    defs = numbers.macros(recs, "paper", {"defaults": {"seeds": 10, "steps": 10000}}, "src")
    assert defs["RnnLruRatioNinetyNine"] == "n/a"
    assert defs["TierNote"] == ""  # the paper tier carries no reduced-tier mark
    assert defs["SeedsTraining"] == "10" and defs["StepsTraining"] == "10{,}000"
    paper_claims = [r for r in recs if r.get("kind") != "prediction"]  # predictions apart
    assert 0 < len(paper_claims) < len(recs)
    assert defs["ClaimsNotEvaluated"] == defs["ClaimsTotal"] == str(len(paper_claims))
    assert defs["PredictionsTotal"] == str(len(recs) - len(paper_claims))
    r = next(r for r in recs if r["id"] == "fig3.gap_at_099")
    r.update(status="pass", values={"ratio": 1234.5, "rnn_099": 1.5e-3, "lru_099": 2e-7})
    defs = numbers.macros(
        recs,
        "quick",
        {
            "defaults": {"seeds": 10, "steps": 10000},
            "reduce": {"seeds": 3, "lrs": 3, "steps_divisor": 10},
        },
    )
    assert defs["RnnLruRatioNinetyNine"] == r"\ensuremath{1.23\times10^{3}}"
    assert defs["LruLossNinetyNine"] == r"\ensuremath{2.00\times10^{-7}}"
    assert defs["SeedsTraining"] == "3" and defs["StepsTraining"] == "1{,}000"
    assert "quick tier" in defs["TierNote"]
    tex = numbers.to_latex(defs)
    assert tex.count(r"\newcommand") == len(numbers.MACROS)
    assert defs["TheoryNote"] == "" and defs["GruSeeds"] == "100"  # nothing given: paper defaults


def test_reduced_sections_are_marked():
    paper = {"theory": {"fig7": {"steps": 50000}}, "data": {"fig15": {"seeds": 100}}}
    test = {"theory": {"fig7": {"steps": 3000}}, "data": {"fig15": {"seeds": 100}}}
    defs = numbers.macros([], "test", {}, "", resolved=test, paper=paper)
    assert "test tier" in defs["TheoryNote"] and defs["DataNote"] == ""
    assert defs["ToySteps"] == "3{,}000"
    assert numbers.macros([], "paper", {}, "", resolved=test, paper=paper)["TheoryNote"] == ""


# --- results tables ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "x, out",
    [
        (1.234e-4, r"$1.2\times10^{-4}$"),
        (0.5, "$0.50$"),
        (12.0, "$12$"),
        (math.nan, "n/a"),
        (9.96e-5, r"$1.0\times10^{-4}$"),
    ],
)
def test_sci(x, out):
    assert rt.sci(x) == out


def _best(cells, points, point="nu0"):
    rows = []
    for c in cells:
        for i, p in enumerate(points):
            rows.append(
                dict(
                    cell=c,
                    nu0=p if point == "nu0" else 0.99,
                    theta0=p if point == "theta0" else 3.14,
                    lr=1e-3,
                    mean=1e-4 * (i + 1),
                    sem=1e-5,
                    n_seeds=3,
                    n_diverged=0,
                    n_diverged_total=i,
                    flagged=i == 0,
                    edge=False,
                )
            )
    return pd.DataFrame(rows)


def test_results_tables():
    left = _best(["rnn", "lru"], [0.36, 0.99])
    tex = rt.fig3_table(left, None, {"fig3a": {"rnn": "RNN", "lru": "LRU"}}, "quick")
    assert tex.count(r" \\") - 1 == 4  # header + 4 rows
    assert r"$1.0\times10^{-4} \pm 1.0\times10^{-5}$" in tex and "& F" in tex
    t10 = _best(["lru"], [3.14, 0.0314], point="theta0").rename(columns={"cell": "model"})
    t10 = pd.concat([t10.assign(remap="default"), t10.assign(remap="published")])
    tex10 = rt.fig10_table(t10, {"lru": "LRU"}, "quick")
    assert "published" in tex10 and tex10.count("LRU") == 4
    assert "not run in this tier" in rt.fig11_table(None, "test")
    by_lr = {
        "fig3a": pd.DataFrame(
            dict(cell=["rnn", "rnn"], lr=[1e-3, 1e-2], n_seeds=[3, 3], n_diverged=[0, 2])
        )
    }
    div = rt.divergence_table(by_lr, {"fig3a": {"rnn": "RNN"}}, "quick")
    assert "2 / 3" in div and "2 of 6 runs diverged" in div
    assert r"\gamma$ norm." in rt.label_tex(r"$\gamma$ norm.")
    with pytest.raises(Exception, match="lacks columns"):
        rt.fig11_table(pd.DataFrame({"cell": ["heads-1"]}), "quick")


# --- hyper-parameter tables (Tables 1-3) -------------------------------------------------------
def _hparam_cells():
    import yaml

    from curse_of_memory import experiments as cm

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    built = cm.build_cells(cfg["training"])
    return {
        f"{e}/{c}": dict(v["meta"]["paper"], label=v["meta"]["label"])
        for (e, c), v in built.items()
        if e in ("fig3a", "fig3b", "fig10")
    }


def _hparam_best(cells):
    """Every point of every cell selected, every third one flagged: the longest cells there are."""
    rows = []
    for key, c in cells.items():
        e, name = key.split("/")
        for i, p in enumerate(c["points"]):
            rows.append(
                dict(
                    experiment=e,
                    cell=name,
                    nu0=p["nu0"],
                    theta0=p.get("theta0", 3.14),
                    lr=c["lrs"][i % len(c["lrs"])],
                    flagged=i % 3 == 0,
                )
            )
    return pd.DataFrame(rows)


def test_hparam_tables_are_captioned_floats_that_fit():
    from curse_of_memory.report import hparams

    cells = _hparam_cells()
    best = _hparam_best(cells)
    for n in (1, 2, 3):
        header, rows = hparams.build(n, cells, best, "quick")
        tex = hparams.to_latex(n, header, rows, "quick")
        assert tex.count(r"\begin{table}") == 1 and tex.rstrip().endswith(r"\end{table}")
        assert r"\caption{" in tex and rf"\label{{tab:table{n}}}" in tex
        # the notes (footnote, flagged) sit inside the float, before \end{table}
        body = tex.split(r"\end{tabular}")[1]
        assert "$^*$" in body and "Flagged" in body and r"\end{table}" in body
        widths = [float(w) for w in re.findall(r"\\dimexpr([\d.]+)\\linewidth", tex)]
        assert len(widths) == len(header) and sum(widths) <= 1.0 + 1e-9
        assert "e-0" not in tex  # numbers as powers of ten
    assert hparams._tex_value("1e-05, 0.000316, 10,000") == r"$10^{-5}$, $3.16\cdot10^{-4}$, 10,000"


# --- errata -----------------------------------------------------------------------------------
def test_errata_lists_every_spec_item_and_measures_only_what_exists(tmp_path):
    rows = errata.measured(core.Sources(tmp_path / "f", tmp_path / "t", tmp_path / "r"))
    keys = [r["key"] for r in rows]
    assert [k for k in keys if not k.startswith("n:")] == [str(i) for i in range(1, 18)]
    assert len([k for k in keys if k.startswith("n:")]) >= 10  # METHODS §7 further notes
    for r in rows:
        assert r["effect"] == "n/a" or r["effect"].startswith("not measured"), r
    tex = errata.to_latex(rows)
    assert tex.isascii() and tex.count(r"\tabularnewline") == len(rows)


def test_errata_effect_from_both_variants(tmp_path):
    f = tmp_path / "f"
    f.mkdir()
    pd.DataFrame(
        dict(
            rho=[0, 0.9],
            abs_S_at_conj_lam0=[1.0, 10.0],
            abs_S_at_lam_near_1=[1.0, 1.0],
            abs_S_max=[1.0, 10.0],
            variant="default",
        )
    ).to_csv(f / "fig8_summary.csv")
    pd.DataFrame(
        dict(
            rho=[0, 0.9],
            abs_S_at_conj_lam0=[1.0, 5.0],
            abs_S_at_lam_near_1=[1.0, 1.0],
            abs_S_max=[1.0, 5.0],
            variant="published",
        )
    ).to_csv(f / "fig8_published_summary.csv")
    row = next(
        r
        for r in errata.measured(core.Sources(f, tmp_path / "t", tmp_path / "r"))
        if r["key"] == "9"
    )
    assert "up to a factor 2" in row["effect"]


# --- plotting style ---------------------------------------------------------------------------
def test_style_renders_greek_and_math_without_missing_glyphs(tmp_path):
    from curse_of_memory.plotting import style

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is a warning in matplotlib
        fig, ax = style.figure(style.COLUMN_WIDTH, 1.35)
        ax.plot([1, 10], [1e-3, 1e3])
        ax.set_yscale("log")
        ax.set_xlabel(r"ν0, ρ −1, $\theta_0/\pi$")
        ax.set_ylabel(r"$\mathbb{E}[(\partial_\lambda h_t)^2]$")
        style.save(fig, tmp_path / "x.pdf", data=pd.DataFrame({"a": [1]}), tier="quick")
    pdf = (tmp_path / "x.pdf").read_bytes()
    assert b"/FontFile2" in pdf  # TrueType (type 42) fonts embedded
    assert b"STIX" in pdf and b"CreationDate" not in pdf
    assert (tmp_path / "x.png").exists() and (tmp_path / "x.csv").exists()
    assert style.TEXT_WIDTH == 5.5 and style.COLUMN_WIDTH < style.TEXT_WIDTH


# --- the PDF ----------------------------------------------------------------------------------
FIGS = [f"fig{n}" for n in range(1, 16)]


def _paper_dir(tmp_path, figures, tables=False):
    from curse_of_memory.io import write_text
    from curse_of_memory.plotting import style

    paper = tmp_path / "paper"
    (paper / "generated").mkdir(parents=True)
    shutil.copy(MAIN_TEX, paper / "main.tex")
    recs = _records(tmp_path)
    recs[0].update(status="fail", values={"a_b": 1.5e-7})
    write_text(
        paper / "generated" / "numbers.tex",
        numbers.to_latex(numbers.macros(recs, "quick", {}, "offline data")),
    )
    write_text(paper / "tables" / "claims.tex", render.to_latex(recs, "quick"))
    write_text(
        paper / "tables" / "errata.tex",
        errata.to_latex(
            errata.measured(core.Sources(tmp_path / "f", tmp_path / "t", tmp_path / "r"))
        ),
    )
    write_text(
        paper / "tables" / "results_fig3.tex",
        rt.fig3_table(_best(["rnn"], [0.99]), None, {}, "quick"),
    )
    if tables:
        from curse_of_memory.report import hparams

        cells = _hparam_cells()
        for n in (1, 2, 3):
            header, rows = hparams.build(n, cells, _hparam_best(cells), "quick")
            write_text(
                paper / "tables" / f"table{n}.tex", hparams.to_latex(n, header, rows, "quick")
            )
    for stem in figures:
        fig, ax = style.figure(7.0 if stem == "fig8" else 2.0, 1.35)  # one wider than the text
        ax.plot(np.arange(3))
        style.save(fig, paper / "figures" / f"{stem}.pdf", png=False)
    return paper


def _latexmk(paper):
    out = paper.parent / "latex"
    proc = subprocess.run(
        [
            "latexmk",
            "-pdf",
            "-interaction=nonstopmode",
            "-halt-on-error",
            f"-outdir={out}",
            "main.tex",
        ],
        cwd=paper,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (out / "main.log").read_text()[-3000:]
    return out


needs_tex = pytest.mark.skipif(
    shutil.which("latexmk") is None, reason="latexmk not on PATH (TeX is optional; CI installs it)"
)


@needs_tex
def test_pdf_builds_and_holds_every_figure(tmp_path):
    paper = _paper_dir(tmp_path, FIGS + ["fig7_published", "fig3_published"], tables=True)
    out = _latexmk(paper)
    assert (out / "main.pdf").stat().st_size > 0
    fls = (out / "main.fls").read_text()
    included = set(re.findall(r"^INPUT (?:\./)?figures/(\w+)\.pdf$", fls, flags=re.M))
    assert included == set(FIGS) | {"fig7_published", "fig3_published"}
    log = (out / "main.log").read_text()
    assert "not built in this run" not in (out / "main.log").read_text()
    assert "Overfull \\hbox" not in log.split("figures/fig8.pdf")[-1][:2000]  # scaled to fit
    over = [float(x) for x in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)]
    assert max(over, default=0) <= 10, f"overfull boxes (pt): {over}"
    # the paper's numbers: Figure N is figN, a variant is "N (as published)", Tables 1-3 are
    # the hyper-parameter tables and every other table is in the S series
    aux = (out / "main.aux").read_text()
    label = dict(re.findall(r"\\newlabel\{(\S+?)\}\{\{(.*?)\}\{", aux))
    assert [label[f"fig:{f}"] for f in FIGS] == [str(n) for n in range(1, 16)]
    assert (
        label["fig:fig3_published"].startswith("3")
        and "as published" in label["fig:fig3_published"]
    )
    assert [label[f"tab:table{n}"] for n in (1, 2, 3)] == ["1", "2", "3"]
    assert label["tab:claims"].startswith("S") and label["tab:results-fig3"].startswith("S")


@needs_tex
def test_partial_run_still_builds(tmp_path):
    paper = _paper_dir(tmp_path, ["fig1"])
    out = _latexmk(paper)
    fls = (out / "main.fls").read_text()
    assert "figures/fig1.pdf" in fls and "figures/fig3.pdf" not in fls


def test_license_and_citation():
    import yaml

    assert "MIT License" in (ROOT / "LICENSE").read_text()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT"
    pref = cff["preferred-citation"]
    assert [a["family-names"] for a in pref["authors"]] == ["Zucchet", "Orvieto"]
    assert pref["year"] == 2024 and "2405.21064" in pref["url"]
