"""The figure specs (curse_of_memory.figures) against the workflow: one spec per figure rule and
one rule per spec, colours from the one palette, the sources a figure draws among its rule's
inputs, the as-published variants among its outputs, the targets of a tier from the specs; and
docs/EXTENDING.md's figure recipe followed in a copy of the repository makes the new figure a
target (and leaves it out of a tier without its experiment)."""

import re
import runpy
import textwrap
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import pandas as pd
import pytest
from repo_copy import copy_repo, snakemake

from curse_of_memory import figures as F
from curse_of_memory.plotting import sources, style

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "workflow" / "rules"


def _rule_blocks():
    """{rule name: (rule file, text of the rule)} of every rule of workflow/rules/*.smk."""
    blocks = {}
    for path in sorted(RULES.glob("*.smk")):
        text = path.read_text()
        for m in re.finditer(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", text, re.M | re.S):
            blocks.setdefault(m.group(1), (path.name, m.group(2)))
    return blocks


def _figure_rules():
    """The rules that draw a figure (an output under paper/figures/)."""
    return {
        name: (where, body)
        for name, (where, body) in _rule_blocks().items()
        if '"paper/figures/' in body
    }


def test_every_figure_rule_has_a_spec_and_every_spec_a_rule():
    rules = _figure_rules()
    assert sorted(rules) == sorted(F.FIGURES)
    for stem, spec in F.FIGURES.items():
        where, body = rules[stem]
        assert spec.rule_file == where, f"{stem}: rule in {where}, spec says {spec.rule_file}"
        assert f'"paper/figures/{stem}.pdf"' in body
        assert f'"../scripts/{stem}.py"' in body and (ROOT / spec.script).is_file()
        assert spec.part in F.PARTS


def test_variants_are_the_rules_as_published_outputs():
    for stem, (_, body) in _figure_rules().items():
        drawn = set(re.findall(r'"paper/figures/(\w+_published)\.pdf"', body))
        if "{stem}.png" in body:  # expand("paper/figures/{stem}.png", stem=[...])
            drawn |= {s for s in re.findall(r'"(\w+_published)"', body)}
        assert drawn == set(F.FIGURES[stem].variants), stem


def test_sources_are_inputs_of_the_rule():
    """A figure that draws the reference reads it, one that draws the published readings reads
    them, and no other does."""
    for stem, (_, body) in _figure_rules().items():
        spec = F.FIGURES[stem]
        assert (F.REFERENCE in spec.sources) == ("reference=" in body), stem
        assert (F.PUBLISHED in spec.sources) == ("PUBLISHED_READINGS" in body), stem


def test_experiments_of_a_spec_are_configured_somewhere():
    import yaml

    configured = set(yaml.safe_load((ROOT / "config.yaml").read_text())["training"]["experiments"])
    for spec in F.FIGURES.values():
        assert set(spec.experiments) <= configured, spec.stem
        assert set(spec.needs_any) <= set(spec.experiments), spec.stem


def test_every_series_colour_is_in_the_palette():
    for spec in F.FIGURES.values():
        for panel in spec.panels:
            for series in panel.series:
                assert series.color in style.COLORS, (spec.stem, panel.name, series.key)
            if panel.colormap:
                assert panel.colormap in matplotlib.colormaps, (spec.stem, panel.name)


def test_spec_lookups_and_registry_checks():
    assert F.FIG3.panel_names == ["a", "b"]
    assert [s.key for s in F.FIG3.panel("b").series][0] == "rnn"
    with pytest.raises(KeyError, match="no panel"):
        F.FIG3.panel("c")
    series = F.FIG3.panel("a").series
    assert F.labels(series, {"fig3a/rnn": "RNN"}) == ["RNN", "lru"]
    with pytest.raises(ValueError, match="twice"):
        F.register(F.FIG3)
    with pytest.raises(ValueError, match="part"):
        F.register(F.Figure("fig_bad", "", "nowhere", "x.smk"))
    assert "fig_bad" not in F.FIGURES
    assert F.main(["fig3"]) == 0 and F.main(["nofig"]) == 1


TIERS = {  # the experiments each tier configures (config.yaml) -> the figures it draws
    "test": {"fig3a", "fig4", "fig10", "fig11"},
    "quick": {
        "fig3a",
        "fig3b",
        "fig4",
        "fig9",
        "fig10",
        "fig10_published",
        "fig11",
        "optimizers",
    },
}


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_targets_follow_from_the_specs(tier):
    experiments = TIERS[tier]

    def outputs(rule):
        return [f"<{rule}>"]

    got = {part: F.targets(part, experiments, outputs) for part in F.PARTS}
    assert got["theory"] == ["<fig1>", "<fig2>", "<fig6>", "<fig7>", "<fig8>"]
    assert got["data"] == ["<fig5>", "<fig12>", "<fig13>", "<fig14>", "<fig15>"]
    assert got["hessian"] == ["<fig4>", "<fig9>", "<fig10>", "<fig10_table>"]
    training = ["<fig3>", "<fig11>"] + (["<fig_optimizers>"] if tier == "quick" else [])
    assert got["training"] == training
    assert F.targets("hessian", {"fig4"}, outputs) == ["<fig4>", "<fig9>"]  # Fig 10 not trained


def test_source_rows_one_column():
    a = sources.rows(sources.THIS_RUN, {"model": ["rnn"], "loss": [1.0]}, at=1)
    b = sources.rows(sources.PUBLISHED, pd.DataFrame({"model": ["rnn"], "loss": [2.0]}))
    assert list(a.columns) == ["model", "source", "loss"]
    assert list(b.columns) == ["model", "loss", "source"]
    both = sources.stack([a, b])
    assert list(both["source"]) == ["this run", "published"] and list(both.index) == [0, 1]
    assert list(sources.stack([], ["x"]).columns) == ["x"]
    with pytest.raises(ValueError, match="unknown source"):
        sources.rows("mine", {"x": [1]})
    with pytest.raises(ValueError, match="already"):
        sources.rows(sources.REFERENCE, a)


# --- docs/EXTENDING.md, "A figure": the recipe followed in a copy of the repository -------------
TOY_FIGURE_CODE = """
register(
    Figure(
        "fig_toy",
        "final loss vs heads, a toy figure",
        "training",
        "toy.smk",
        experiments=("fig11",),
        needs_any=("fig11",),
        panels=(Panel("main", "final loss", (Series("heads-2", "rnn", experiment="fig11"),)),),
    )
)
register(
    Figure(
        "fig_toy_optimizers",
        "a figure of an experiment the test tier leaves out",
        "training",
        "toy.smk",
        experiments=("optimizers",),
        needs_any=("optimizers",),
    )
)
"""

TOY_RULES = '''
rule fig_toy:
    """A toy figure: final loss vs heads."""
    input:
        best=tables("fig11"),
    output:
        pdf="paper/figures/fig_toy.pdf",
    log:
        "results/logs/fig_toy/fig_toy.log",
    localrule: True
    params:
        tier=TIER,
        labels={f"{e}/{c}": v["meta"]["label"] for (e, c), v in CELLS.items()},
        src=src_fingerprint("plotting", "figures.py"),
    script:
        "../scripts/fig_toy.py"


rule fig_toy_optimizers:
    """A toy figure of the optimizer study."""
    input:
        best=tables("optimizers"),
    output:
        pdf="paper/figures/fig_toy_optimizers.pdf",
    log:
        "results/logs/fig_toy_optimizers/fig_toy_optimizers.log",
    localrule: True
    params:
        tier=TIER,
    script:
        "../scripts/fig_toy.py"
'''

TOY_SCRIPT = '''
"""Rule `fig_toy`: final loss of each series of curse_of_memory.figures.FIGURES["fig_toy"]."""

import pandas as pd

from curse_of_memory import figures
from curse_of_memory.plotting import style
from curse_of_memory.plotting.sources import THIS_RUN, rows, stack
from curse_of_memory.runlog import snakemake_log

TOY = figures.FIGURES["fig_toy"]


def main(smk):
    best = stack([pd.read_parquet(p) for p in smk.input.best], ["cell", "nu0", "mean"])
    fig, ax = style.figure()
    series = TOY.panel("main").series
    out = []
    for s, label in zip(series, figures.labels(series, smk.params.labels)):
        d = best[best["cell"] == s.key]
        ax.plot(d["nu0"], d["mean"], "o", color=style.COLORS[s.color], label=label)
        out.append(rows(THIS_RUN, {"cell": s.key, "nu0": d["nu0"], "loss": d["mean"]}, at=1))
    ax.legend()
    style.save(fig, smk.output.pdf, data=stack(out, ["cell", "source", "nu0", "loss"]),
               tier=smk.params.tier)


with snakemake_log(snakemake):
    main(snakemake)
'''


def _follow_recipe(repo):
    """The recipe's steps in ``repo``: the spec, the script, the rule file and its include."""
    with open(repo / "src/curse_of_memory/figures.py", "a") as f:
        f.write(TOY_FIGURE_CODE)
    (repo / "workflow/scripts/fig_toy.py").write_text(textwrap.dedent(TOY_SCRIPT).lstrip())
    (repo / "workflow/rules/toy.smk").write_text(TOY_RULES.lstrip())
    snakefile = repo / "Snakefile"
    text = snakefile.read_text()
    include = 'include: "workflow/rules/optimizers.smk"\n'
    assert include in text
    snakefile.write_text(text.replace(include, include + 'include: "workflow/rules/toy.smk"\n'))


def _all_inputs(output):
    m = re.search(r"^(?:local)?rule all:\n(?:    .*\n)*?    input: (.*)$", output, re.M)
    assert m, output[-3000:]
    return set(m.group(1).split(", "))


@pytest.mark.e2e
def test_the_figure_recipe_makes_a_target(tmp_path):
    repo = copy_repo(tmp_path / "repo")
    _follow_recipe(repo)
    proc = snakemake(repo, "-n", "--cores", "1", "--config", "tier=test")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    targets = _all_inputs(proc.stdout)
    assert "paper/figures/fig_toy.pdf" in targets  # the test tier trains fig11
    assert "paper/figures/fig_toy_optimizers.pdf" not in targets  # ... not the optimizer study
    # every figure the test tier draws is a target, the others are not
    trained = set(re.findall(r"wildcards: experiment=(\w+), cell=", proc.stdout))
    drawn = {f"paper/figures/{s}.pdf" for s in ("fig_toy",) + tuple(F.FIGURES)}
    drawn = {p for p in drawn if p in targets}
    expected = {f"paper/figures/{s.stem}.pdf" for s in F.FIGURES.values() if s.drawn(trained)}
    assert drawn == expected | {"paper/figures/fig_toy.pdf"}


def test_the_toy_script_draws_its_spec(tmp_path, monkeypatch):
    """The recipe's script, run as Snakemake runs it, on a synthetic table."""
    monkeypatch.setitem(
        F.FIGURES,
        "fig_toy",
        F.Figure(
            "fig_toy",
            "toy",
            "training",
            "toy.smk",
            panels=(F.Panel("main", "", (F.Series("heads-2", "rnn", experiment="fig11"),)),),
        ),
    )
    table = tmp_path / "fig11_best.parquet"
    pd.DataFrame(
        {"cell": ["heads-2", "heads-4"], "nu0": [0.99, 0.99], "mean": [1.0, 2.0]}
    ).to_parquet(table)
    script = tmp_path / "fig_toy.py"
    script.write_text(textwrap.dedent(TOY_SCRIPT).lstrip())
    smk = SimpleNamespace(
        input=SimpleNamespace(best=[str(table)]),
        output=SimpleNamespace(pdf=str(tmp_path / "fig_toy.pdf")),
        params=SimpleNamespace(tier="test", labels={"fig11/heads-2": "2 heads"}),
        log=[str(tmp_path / "fig_toy.log")],
    )
    runpy.run_path(str(script), init_globals={"snakemake": smk})
    back = pd.read_csv(tmp_path / "fig_toy.csv")
    assert back.to_dict("records") == [
        {"cell": "heads-2", "source": "this run", "nu0": 0.99, "loss": 1.0}
    ]
