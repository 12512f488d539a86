"""Embeddings (METHODS §8): bundled model offline, windows, hidden_states[0], cache integrity."""

import numpy as np
import pytest
import torch

from curse_of_memory.data.embeddings import (
    SEQ_LEN,
    embed,
    load_cache,
    load_model,
    make_windows,
    write_cache,
)
from curse_of_memory.errors import DataError, UserError


@pytest.fixture(scope="module")
def bundled():
    import os

    old = os.environ.get("HF_HUB_OFFLINE")
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        yield load_model("bundled")
    finally:
        if old is None:
            os.environ.pop("HF_HUB_OFFLINE")
        else:
            os.environ["HF_HUB_OFFLINE"] = old


TEXTS = ["the quick brown fox " * 300, "a short article.", "another one " * 10]


def test_windows_format(bundled):
    tok, _ = bundled
    ids, owner = make_windows(tok, TEXTS, seed=0)
    lengths = [len(tok(t, add_special_tokens=False)["input_ids"]) for t in TEXTS]
    assert len(ids) == sum(-(-n // 510) for n in lengths)
    assert ids.shape[1] == SEQ_LEN and np.all(ids[:, 0] == tok.cls_token_id)
    for row in ids:  # [CLS] + tokens + [SEP] + [PAD]...
        body = row[row != tok.pad_token_id]
        assert body[-1] == tok.sep_token_id and np.all(row[len(body) :] == tok.pad_token_id)
    # the shuffle is a fixed permutation: same seed same order, other seed other order
    np.testing.assert_array_equal(make_windows(tok, TEXTS, seed=0)[0], ids)
    assert not np.array_equal(make_windows(tok, TEXTS, seed=1)[1], owner)


def test_bundled_model_offline_gives_n_512_384_equal_to_hidden_states0(bundled):
    tok, model = bundled
    ids, _ = make_windows(tok, TEXTS, seed=0)
    emb = embed(model, ids[:3], batch_size=2)
    assert emb.shape == (3, 512, 384) and emb.dtype == np.float32
    with torch.no_grad():
        full = model(
            input_ids=torch.as_tensor(ids[:3]),
            attention_mask=torch.as_tensor(ids[:3] != tok.pad_token_id).long(),
        )
    np.testing.assert_array_equal(emb, full.hidden_states[0].numpy())


def test_hub_model_offline_is_one_line(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserError, match="data.model: bundled \\(works offline\\)") as exc:
        load_model("surely-not-cached/bert-base-uncased-xyz")
    assert "\n" not in str(exc.value)


def test_cache_roundtrip_and_corruption(bundled, tmp_path):
    tok, model = bundled
    ids, _ = make_windows(tok, TEXTS, seed=0)
    path = tmp_path / "emb.npy"
    man = write_cache(path, model, ids, {"source": "test", "seed": 0}, dtype="float16")
    arr, man2 = load_cache(path)
    assert man2 == man and arr.shape == (len(ids), 512, 384) and arr.dtype == np.float16
    np.testing.assert_allclose(
        arr[:1].astype(np.float32), embed(model, ids[:1]), rtol=1e-3, atol=2e-3
    )
    assert load_cache(path, n=2)[0].shape[0] == 2
    with pytest.raises(DataError, match="requested"):
        load_cache(path, n=99)
    raw = bytearray(path.read_bytes())
    raw[-7] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(DataError, match="checksum .*delete .*rerun") as exc:
        load_cache(path)
    assert "\n" not in str(exc.value)
    path.write_bytes(bytes(raw[: len(raw) // 2]))
    with pytest.raises(DataError, match="truncated or corrupt.*delete"):
        load_cache(path)
