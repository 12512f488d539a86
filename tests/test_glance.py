"""Published readings (resources/published/) and "Reproduction at a glance" (report/glance.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from curse_of_memory import published as P
from curse_of_memory.errors import UserError
from curse_of_memory.report import glance as G


def test_the_shipped_readings_load_and_cover_the_figures():
    df = P.load()
    assert len(df) >= 50
    assert set(df["figure"]) == {"3", "10", "11", "12"}
    assert (df["published"] > 0).all()
    assert len(P.points(df, "3", "A")) == 14 and len(P.points(df, "10", "bottom")) == 15


def test_a_bad_reading_is_one_line_naming_its_line(tmp_path):
    text = P.READINGS.read_text().splitlines()
    text[2] = text[2].replace("1e-7", "-1e-7")
    bad = tmp_path / "r.csv"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(UserError, match=r"r.csv:3: 'published' must be a positive number"):
        P.load(bad)
    with pytest.raises(UserError, match="git checkout"):
        P.load(tmp_path / "missing.csv")


def _tables(scale: float) -> dict:
    """Synthetic tables holding every point the readings ask for, each loss = scale * reading."""
    r = P.load()

    def best(rows):
        return pd.DataFrame(rows)

    t3a = [
        {"experiment": "fig3a", "cell": s, "nu0": x, "mean": scale * v}
        for s, x, v in P.points(r, "3", "A")[["series", "x", "published"]].itertuples(index=False)
    ]
    t3b = [
        {"experiment": "fig3b", "cell": s, "nu0": x, "mean": scale * v}
        for s, x, v in P.points(r, "3", "B")[["series", "x", "published"]].itertuples(index=False)
        if s != "rnn"
    ]
    t10 = [
        {"cell": s, "theta0": x, "mean": scale * v}
        for s, x, v in P.points(r, "10", "bottom")[["series", "x", "published"]].itertuples(
            index=False
        )
    ]
    t11 = [
        {"cell": f"heads-{int(x)}", "nu0": 0.99, "mean": scale * v, "lr": 0.01}
        for x, v in P.points(r, "11", "left")[["x", "published"]].itertuples(index=False)
    ]
    hist = [
        {"cell": f"heads-{int(x)}", "lr": 0.01, "epoch": e, "elr_A": scale * v if e == 50 else 1.0}
        for x, v in P.points(r, "11", "right", "effective_lr_A_epoch50")[
            ["x", "published"]
        ].itertuples(index=False)
        for e in (49, 50, 51)
    ]
    fit = {"default": {"c0_value": 0.37 * scale, "a1": 0.044 * scale, "r1": 0.997 * scale}}
    return {
        "fig3a_best": best(t3a),
        "fig3b_best": best(t3b),
        "fig10_best": best(t10),
        "fig10_published_best": best(t10),
        "fig11_best": best(t11),
        "fig11_history": best(hist),
        "autocorrelation_fit": fit,
    }


@pytest.mark.parametrize("scale, within", [(1.0, True), (2.9, True), (3.5, False), (0.2, False)])
def test_every_reading_finds_its_number_and_the_ratio_is_judged(scale, within):
    """Every published reading has a number of ours when the tables hold its point (a reading
    that no lookup answers would stay '--' silently), and the 3x rule is applied both ways."""
    readings = P.load()
    src = G.Source("ours", "ours", _tables(scale))
    table = G.compare(readings, [src], {f: "ours" for f in ("3", "10", "11", "12")})
    assert np.isfinite(table["ours"]).all(), table[~np.isfinite(table["ours"])]
    assert np.allclose(table["ratio"], scale)
    assert (table["within"] == within).all()
    assert G.count_within(table, "ours") == ((len(table) if within else 0), len(table))


def test_missing_numbers_are_not_judged_and_deviations_carry_the_notes():
    readings = P.load()
    tables = _tables(10.0)
    tables["fig11_best"] = tables["fig11_best"][tables["fig11_best"]["cell"] != "heads-4"]
    src = G.Source("ours", "ours", tables)
    table = G.compare(readings, [src], {f: "ours" for f in ("3", "10", "11", "12")})
    missing = table[(table["figure"] == "11") & (table["panel"] == "left") & (table["x"] == 4)]
    assert missing["within"].isna().all() and missing["ratio"].isna().all()
    notes = [
        {"figure": 11, "panel": "left", "series": "rnn", "x": 8, "checked": "C8", "found": "F8"},
        {"figure": 11, "panel": "left", "checked": "C", "found": "F"},
        {"figure": 9, "panel": "bottom", "series": "s4", "checked": "S4", "found": "S4F"},
    ]
    devs = G.deviations(table, notes)
    assert len(devs) == len(table)  # every point is 10x off or missing
    row8 = devs[(devs["figure"] == "11") & (devs["panel"] == "left") & (devs["x"] == 8)]
    assert row8["checked"].iloc[0] == "C8"
    row16 = devs[(devs["figure"] == "11") & (devs["panel"] == "left") & (devs["x"] == 16)]
    assert row16["checked"].iloc[0] == "C"
    assert devs[devs["figure"] == "3"]["checked"].eq("not investigated yet").all()
    others = G.other_notes(devs, notes)
    assert [n["figure"] for n in others] == [9]
    # a note whose point is now within the factor is still listed, after the table
    close = G.compare(readings, [G.Source("ours", "ours", _tables(1.0))], {"11": "ours"})
    assert len(G.other_notes(G.deviations(close, notes), notes)) == 3
    tex = G.latex(table, devs, [src], "quick", others)
    assert r"\textbf{0 of" in tex and "Other deviations investigated" in tex and "S4F" in tex


def test_bad_notes_are_one_line(tmp_path):
    bad = tmp_path / "d.yaml"
    bad.write_text("figure: 3\n")
    with pytest.raises(UserError, match="must be a list"):
        G.load_notes(bad)
    assert G.load_notes(tmp_path / "none.yaml") == []
    assert isinstance(G.load_notes(), list)  # the shipped notes parse
