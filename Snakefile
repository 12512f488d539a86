# curse-of-memory: regenerate every figure and table of Zucchet & Orvieto (NeurIPS 2024).
#
#   snakemake --cores all                       # default (quick) tier, ends with paper/main.pdf
#   snakemake --cores all --config tier=paper   # the paper's exact grids (GPU / cluster)
#   snakemake --cores all fig3                  # one figure and exactly what it needs
#   snakemake --profile slurm                   # on a Slurm cluster
#
# Rules live in workflow/rules/*.smk, one file per figure family; each figure has a rule named
# after it (fig1 ... fig15).  What `rule all` builds is listed by the target functions at the end
# of workflow/rules/common.smk (theory_targets, data_targets, ..., paper_targets).
import contextlib
import io
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.0")


# config.yaml and every --configfile, read strictly, once: a YAML syntax error with its line and
# column (Snakemake's own loader only says the file is not valid YAML), a key given twice (its
# loader keeps the last one without a word).  Here, before `configfile:` loads config.yaml.
sys.path.insert(0, str(Path(workflow.basedir) / "src"))
from curse_of_memory.config_io import yaml_problem

for _file in dict.fromkeys(
    [Path(workflow.basedir) / "config.yaml", *map(Path, workflow.configfiles)]
):
    _problem = yaml_problem(_file)
    if _problem:
        sys.stderr.write(f"error: config: {_problem}\n")
        sys.exit(1)


configfile: "config.yaml"


include: "workflow/rules/common.smk"


wildcard_constraints:
    experiment="[a-z0-9_]+",
    cell="[a-z0-9][a-z0-9-]*",


include: "workflow/rules/theory.smk"


# the training runs: trained (runs=train), or taken from the reference run (runs=reference)
if RUNS == "train":

    include: "workflow/rules/train.smk"

else:

    include: "workflow/rules/reference.smk"


include: "workflow/rules/aggregate.smk"
include: "workflow/rules/hessian.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/optimizers.smk"
include: "workflow/rules/paper.smk"


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        all_targets,


onstart:
    check_training_device()


onsuccess:
    # The claims summary only when this run's DAG holds the claims job: results/claims.json is then
    # of this run's tier (the tier is a params value of the rule, so a change reruns it).  A run
    # without it (e.g. `snakemake fig3`) may leave one from another tier or older outputs.
    # here, not at the top: it imports every claims module, needed only after a successful run
    from curse_of_memory.claims.render import print_run_summary

    _claims = rules.claims.output.json
    if any(job.rule.name == "claims" for job in workflow.dag.jobs):
        _text = io.StringIO()
        with contextlib.redirect_stdout(_text):
            print_run_summary(_claims)
        _summary = _text.getvalue()
        if _summary.startswith("claims:"):  # labelled with the tier that built it
            _summary = _summary.replace("claims:", f"claims ({TIER} tier):", 1)
        print(_summary, end="")
    elif Path(_claims).exists():
        print(
            f"claims: not checked by this run ({_claims} may be from another tier or older "
            f"outputs); `snakemake --cores all --config tier={TIER}` checks them"
        )
    if not LATEXMK:
        print(TEX_HINT)
