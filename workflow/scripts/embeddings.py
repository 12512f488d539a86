"""Rules `data_text` and `embeddings` (METHODS §8): the configured text source ->
output.articles (results/data/articles.jsonl); articles -> 512-token windows -> embedding-layer
outputs -> output.array (.npy cache) with its JSON manifest."""

import json

import torch

from curse_of_memory.data import embeddings as E
from curse_of_memory.data import text as T
from curse_of_memory.io import write_text
from curse_of_memory.runlog import snakemake_log
from curse_of_memory.storage import writing


def write_articles(path, text_cfg):
    """Rule data_text: the articles as JSON lines."""
    articles = T.load_articles(text_cfg)
    with writing(path):  # a full disk names this file
        write_text(path, "".join(json.dumps(a) + "\n" for a in articles))
    print(
        f"{len(articles)} articles, {sum(len(a['text']) for a in articles)} characters "
        f"from {T.describe(text_cfg)}"
    )


def write_embeddings(articles_path, array_path, cfg):
    """Rule embeddings: the windows' hidden_states[0], cached with a manifest."""
    with open(articles_path) as fh:
        articles = [json.loads(line) for line in fh]
    tok, model = E.load_model(cfg["model"])
    ids, owner = E.make_windows(tok, [a["text"] for a in articles], seed=cfg["shuffle_seed"])
    available = len(ids)
    ids, owner = ids[: cfg["max_windows"]], owner[: cfg["max_windows"]]
    print(f"{available} windows of {E.WINDOW} word-pieces available; keeping {len(ids)}")
    manifest = {
        "source": T.describe(cfg["text"]),
        "text_config": cfg["text"],
        "model": E.model_label(cfg["model"]),
        "model_setting": cfg["model"],
        "embedding": "hidden_states[0] (model.embeddings)",
        "n_articles": len(articles),
        "n_windows_available": available,
        "n_windows": len(ids),
        "seq_len": E.SEQ_LEN,
        "window_wordpieces": E.WINDOW,
        "shuffle_seed": cfg["shuffle_seed"],
        "window_articles": owner.tolist(),
    }
    man = E.write_cache(
        array_path,
        model,
        ids,
        manifest,
        dtype=cfg["dtype"],
        batch_size=cfg["embed_batch"],
    )
    print(f"wrote {array_path}: shape {man['shape']} {man['dtype']} sha256 {man['sha256'][:12]}")


def main(smk):
    cfg = smk.params.data
    torch.set_num_threads(smk.threads)
    if smk.rule == "data_text":
        write_articles(smk.output.articles, cfg["text"])
    else:
        write_embeddings(smk.input.articles, smk.output.array, cfg)


with snakemake_log(snakemake):
    main(snakemake)
