"""Text sources (METHODS §8): bundled MediaWiki dump, text folder, hub offline."""

import json

import pytest

from curse_of_memory.data.text import load_articles
from curse_of_memory.errors import DataError, UserError


def test_bundled_mediawiki_dump_has_106_articles():
    arts = load_articles({"source": "mediawiki-dump"})
    assert len(arts) == 106
    assert arts[0]["title"] == "Anarchism"
    assert 3.0e6 < sum(len(a["text"]) for a in arts) < 3.2e6
    assert not any(a["text"].lstrip().upper().startswith("#REDIRECT") for a in arts)


def test_text_folder_reads_txt_and_jsonl(tmp_path):
    (tmp_path / "b.txt").write_text("second article")
    (tmp_path / "a.txt").write_text("first article")
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"title": "T1", "text": "third"})
        + "\n\n"
        + json.dumps({"text": "fourth"})
        + "\n"
    )
    (tmp_path / "ignored.csv").write_text("x")
    arts = load_articles({"source": "text-folder", "folder": str(tmp_path)})
    assert [a["text"] for a in arts] == ["first article", "second article", "third", "fourth"]
    assert arts[2]["title"] == "T1"
    assert (
        len(load_articles({"source": "text-folder", "folder": str(tmp_path), "max_articles": 2}))
        == 2
    )


def test_text_folder_bad_jsonl_is_one_line(tmp_path):
    (tmp_path / "x.jsonl").write_text('{"title": "no text"}\n')
    with pytest.raises(DataError, match=r"x.jsonl:1 .*'text' field") as exc:
        load_articles({"source": "text-folder", "folder": str(tmp_path)})
    assert "\n" not in str(exc.value)


def test_hf_source_offline_fails_at_once(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UserError, match="source: mediawiki-dump \\(works offline\\)") as exc:
        load_articles({"source": "hf-wikipedia", "hf_date": "20231101", "hf_language": "en"})
    assert "\n" not in str(exc.value)


def test_unknown_source_names_allowed_values():
    with pytest.raises(UserError, match="allowed: mediawiki-dump, hf-wikipedia, text-folder"):
        load_articles({"source": "web"})
