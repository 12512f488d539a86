# Real inputs (METHODS §8): Wikipedia text -> BERT-family embedding-layer outputs, cached once and
# reused by every figure below; autocorrelation (Fig 12), deep signal propagation at init
# (Figs 5, 13), GRU Jacobians (Fig 14) and diagonal GRU theory vs empirics (Fig 15).
#   data_text          results/data/articles.jsonl  (the text, from config data.text)
#   embeddings         results/data/embeddings.npy + embeddings.json (manifest with checksum)
#   autocorrelation    results/data/autocorrelation.parquet, autocorrelation_fit.json
#   signal_propagation results/signal/records_{arch}_{norm}.parquet (per batch)
#   gru_jacobians      results/signal/gru_jacobians.parquet
#   gru_sensitivity    results/signal/gru_sensitivity.parquet, gru_theory.parquet
#   fig5 fig12 fig13 fig14 fig15   paper/figures/figN.pdf (+ _published, CSVs beside them)
DATA = CONFIG["data"]
DATA_THREADS = DATA["threads"]
EMB = "results/data/embeddings.npy"
EMB_MANIFEST = "results/data/embeddings.json"
SIGNAL_RUNS = ["crnn_none", "lru_none", "gru_none", "crnn_layer", "crnn_batch"]
GRU_SRC = src_fingerprint(
    "data/gru_jacobians.py", "data/embeddings.py", "models/gru.py", "models/init.py"
)
SIGNAL_RECORDS = [f"results/signal/records_{r}.parquet" for r in SIGNAL_RUNS]

EMBED_KEYS = ("text", "model", "shuffle_seed", "max_windows", "dtype", "embed_batch")

from curse_of_memory.data.text import source_files

# the local files data.text reads (name, size, hash) are part of data_text's params: adding,
# removing or editing an article of a text folder, or replacing a dump file, reruns data_text
# and what depends on it
TEXT_FILES = source_files(DATA["text"])


rule data_text:
    """The articles of the configured text source (the only step that may need the hub)."""
    output:
        articles="results/data/articles.jsonl",
    log:
        "results/logs/data_text/data_text.log",
    benchmark:
        "results/benchmarks/data_text/data_text.tsv"
    localrule: True
    conda:
        ENV
    threads: 1
    params:
        src=src_fingerprint("data/text.py"),
        data=(
            {"text": DATA["text"], "files": TEXT_FILES}
            if TEXT_FILES
            else {"text": DATA["text"]}
        ),
    script:
        "../scripts/embeddings.py"


rule embeddings:
    """512-token windows -> hidden_states[0], cached once as .npy + JSON manifest."""
    input:
        articles=rules.data_text.output.articles,
    output:
        array=EMB,
        manifest=EMB_MANIFEST,
    log:
        "results/logs/embeddings/embeddings.log",
    benchmark:
        "results/benchmarks/embeddings/embeddings.tsv"
    localrule: True
    conda:
        ENV
    threads: DATA_THREADS
    params:
        src=src_fingerprint("data/text.py", "data/embeddings.py"),
        data={k: DATA[k] for k in EMBED_KEYS},
    script:
        "../scripts/embeddings.py"


rule autocorrelation:
    """c(Delta) of the embeddings; fits (default Delta >= 1, published Delta >= 0) -> a0, a1, r1."""
    input:
        array=EMB,
        manifest=EMB_MANIFEST,
    output:
        table="results/data/autocorrelation.parquet",
        fit="results/data/autocorrelation_fit.json",
    log:
        "results/logs/autocorrelation/autocorrelation.log",
    benchmark:
        "results/benchmarks/autocorrelation/autocorrelation.tsv"
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("data/autocorrelation.py", "data/embeddings.py"),
        data={"autocorrelation": DATA["autocorrelation"]},
    script:
        "../scripts/autocorrelation.py"


rule fig12:
    """Fig 12: autocorrelation and exponential fit (+ fig12_published, fit over Delta >= 0)."""
    input:
        table=rules.autocorrelation.output.table,
        fit=rules.autocorrelation.output.fit,
    output:
        pdf=report(
            "paper/figures/fig12.pdf",
            caption="../report/fig12.rst",
            category="Figures",
            labels={"figure": "Fig 12"},
        ),
        published="paper/figures/fig12_published.pdf",
    log:
        "results/logs/fig12/fig12.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("plotting"),
        tier=TIER,
    script:
        "../scripts/fig12.py"


rule signal_propagation:
    """Deep stack at init, one architecture x norm over every T_mem: per-batch records."""
    input:
        array=EMB,
        manifest=EMB_MANIFEST,
    output:
        "results/signal/records_{arch}_{norm}.parquet",
    log:
        "results/logs/signal_propagation/{arch}_{norm}.log",
    benchmark:
        "results/benchmarks/signal_propagation/{arch}_{norm}.tsv"
    wildcard_constraints:
        arch="crnn|lru|gru",
        norm="none|layer|batch",
    localrule: True
    conda:
        ENV
    threads: DATA_THREADS
    params:
        src=src_fingerprint("data/signal.py", "data/embeddings.py", "models"),
        data={"signal": DATA["signal"]},
    script:
        "../scripts/signal_propagation.py"


rule fig5:
    """Fig 5: activity, gradient groups, normalisation (+ fig5_published: previous-token loss)."""
    input:
        records=SIGNAL_RECORDS,
        manifest=EMB_MANIFEST,
    output:
        pdf=report(
            "paper/figures/fig5.pdf",
            caption="../report/fig5.rst",
            category="Figures",
            labels={"figure": "Fig 5"},
        ),
        published="paper/figures/fig5_published.pdf",
    log:
        "results/logs/fig5/fig5.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("data/signal.py", "plotting"),
        tier=TIER,
    script:
        "../scripts/fig5.py"


rule fig13:
    """Fig 13: layer-wise gradients and the cRNN norm study (+ fig13_published)."""
    input:
        records=SIGNAL_RECORDS,
        manifest=EMB_MANIFEST,
    output:
        pdf=report(
            "paper/figures/fig13.pdf",
            caption="../report/fig13.rst",
            category="Figures",
            labels={"figure": "Fig 13"},
        ),
        published="paper/figures/fig13_published.pdf",
    log:
        "results/logs/fig13/fig13.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("data/signal.py", "plotting"),
        tier=TIER,
    script:
        "../scripts/fig13.py"


rule gru_jacobians:
    """Fig 14 data: dh_dt/dh_0 of the full ChronoGRU for the 3 x 3 settings."""
    input:
        array=EMB,
        manifest=EMB_MANIFEST,
    output:
        "results/signal/gru_jacobians.parquet",
    log:
        "results/logs/gru_jacobians/gru_jacobians.log",
    benchmark:
        "results/benchmarks/gru_jacobians/gru_jacobians.tsv"
    localrule: True
    conda:
        ENV
    threads: DATA_THREADS
    params:
        src=GRU_SRC,
        data={"fig14": DATA["fig14"]},
    script:
        "../scripts/gru_jacobians.py"


rule fig14:
    """Fig 14: GRU Jacobian diagonal and off-diagonal entries against Delta t."""
    input:
        jac=rules.gru_jacobians.output[0],
    output:
        pdf=report(
            "paper/figures/fig14.pdf",
            caption="../report/fig14.rst",
            category="Figures",
            labels={"figure": "Fig 14"},
        ),
    log:
        "results/logs/fig14/fig14.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("plotting"),
        tier=TIER,
    script:
        "../scripts/fig14.py"


rule gru_sensitivity:
    """Fig 15 data: b, h_T and diag dh_T/db per unit and seed; theory curves from the Fig 12 fit."""
    input:
        array=EMB,
        manifest=EMB_MANIFEST,
        fit=rules.autocorrelation.output.fit,
    output:
        empirics="results/signal/gru_sensitivity.parquet",
        theory="results/signal/gru_theory.parquet",
    log:
        "results/logs/gru_sensitivity/gru_sensitivity.log",
    benchmark:
        "results/benchmarks/gru_sensitivity/gru_sensitivity.tsv"
    localrule: True
    conda:
        ENV
    threads: DATA_THREADS
    params:
        src=GRU_SRC + src_fingerprint("theory/gru.py"),
        data={"fig15": DATA["fig15"]},
    script:
        "../scripts/gru_sensitivity.py"


rule fig15:
    """Fig 15: diagonal theory vs GRU empirics (+ fig15_published with the coded formula)."""
    input:
        empirics=rules.gru_sensitivity.output.empirics,
        theory=rules.gru_sensitivity.output.theory,
        fit=rules.autocorrelation.output.fit,
    output:
        pdf=report(
            "paper/figures/fig15.pdf",
            caption="../report/fig15.rst",
            category="Figures",
            labels={"figure": "Fig 15"},
        ),
        published="paper/figures/fig15_published.pdf",
    log:
        "results/logs/fig15/fig15.log",
    localrule: True
    conda:
        ENV
    params:
        src=src_fingerprint("data/gru_jacobians.py", "plotting"),
        data={"fig15": DATA["fig15"]},
        tier=TIER,
    script:
        "../scripts/fig15.py"
