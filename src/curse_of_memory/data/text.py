"""Article text for the real-input experiments (METHODS §8): three interchangeable sources.

* ``mediawiki-dump`` (default): any MediaWiki XML dump (``.xml`` or ``.bz2``) parsed with gensim's
  ``wikicorpus.extract_pages`` / ``filter_wiki``; redirects and empty pages are dropped and the
  dump's order is kept.  The default path is the shortened English Wikipedia dump shipped inside
  the ``gensim`` package (106 articles, about 3.1M characters), so it needs no network.
* ``hf-wikipedia``: ``wikimedia/wikipedia`` (configured dump date and language), streamed with
  ``datasets``; the first ``max_articles`` articles in dataset order.  Needs the hub; offline, a
  copy in the local ``datasets`` cache (from an earlier non-streaming download) is used instead.
* ``text-folder``: every ``*.txt`` file (one article per file, sorted by name) and every
  ``*.jsonl`` file (one JSON object per line with a ``text`` field, optional ``title``) in a local
  folder.  Files must be UTF-8 text; a file that is not (e.g. a binary file named ``.txt``) is an
  error naming the file.

``load_articles(cfg)`` returns a list of ``{"title", "text"}`` dicts.  ``source_files(cfg)`` lists
the local files a source reads (name, size and content hash; size and modification time for a
dump), so that the pipeline reruns the text rule when one is added, removed or edited.
"""

from __future__ import annotations

import bz2
import contextlib
import hashlib
import json
import os
import socket
from pathlib import Path

from curse_of_memory.errors import ConfigError, DataError, UserError

GENSIM_DUMP = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
SOURCES = ("mediawiki-dump", "hf-wikipedia", "text-folder")


def default_dump_path() -> Path:
    """The shortened enwiki dump bundled with gensim's test data."""
    from gensim.test.utils import datapath  # heavy: only the bundled dump needs it

    return Path(datapath(GENSIM_DUMP))


def hub_offline(host: str = "huggingface.co", timeout: float = 3.0) -> bool:
    """True when the HF hub cannot be used: HF_HUB_OFFLINE/HF_DATASETS_OFFLINE set, or no route."""
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on"):
            return True
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return False
    except OSError:
        return True


def _is_redirect(text: str) -> bool:
    return text.lstrip()[:9].upper() == "#REDIRECT"


def read_mediawiki_dump(path: str | os.PathLike | None = None, max_articles: int | None = None):
    from gensim.corpora.wikicorpus import extract_pages, filter_wiki  # heavy, as above

    path = Path(path) if path else default_dump_path()
    if path.is_dir():
        raise DataError(
            f"data.text.dump_path: {path} is a folder, not a dump file; give the .xml or .xml.bz2 "
            "file itself (or use source: text-folder for a folder of *.txt / *.jsonl articles)"
        )
    if not path.is_file():
        raise DataError(
            f"data.text.dump_path: {path} does not exist; give a MediaWiki .xml or .xml.bz2 dump, "
            "or leave dump_path null for the dump bundled with gensim"
        )
    opener = bz2.open if path.suffix == ".bz2" else open
    articles = []
    try:
        with opener(path, "rb") as fh:
            for title, text, _pageid in extract_pages(fh):
                if not text or not text.strip() or _is_redirect(text):
                    continue
                clean = filter_wiki(text)
                if not clean.strip():
                    continue
                articles.append({"title": title, "text": clean})
                if max_articles and len(articles) >= max_articles:
                    break
    except (OSError, EOFError, SyntaxError) as exc:  # ElementTree ParseError is a SyntaxError
        raise DataError(
            f"data.text.dump_path: {path} is not a readable MediaWiki XML dump ({exc}); "
            "check the file or re-download it"
        ) from exc
    if not articles:
        raise DataError(f"data.text.dump_path: {path} holds no articles; give a MediaWiki XML dump")
    return articles


def _folder_files(folder: Path) -> list[Path]:
    return [p for p in sorted(folder.iterdir()) if p.suffix in (".txt", ".jsonl") and p.is_file()]


def _utf8(path: Path) -> str:
    """The text of ``path``; a file that is not UTF-8 text is a one-line DataError naming it."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"data.text.folder: {path} is not UTF-8 text (byte {data[exc.start]:#04x} on line "
            f"{line}; a binary file?); convert it to UTF-8 or move it out of the folder"
        ) from exc
    if "\x00" in text:
        raise DataError(
            f"data.text.folder: {path} holds NUL bytes (a binary file, not text); move it "
            "out of the folder"
        )
    return text


def source_files(cfg: dict) -> list[str]:
    """The local files the configured text source reads, one ``"<name> <size> <fingerprint>"`` each:
    the sha256 of every *.txt / *.jsonl of a text folder, the modification time of a dump file (a
    dump can be many GB).  Empty for the dump bundled with gensim and for the hub."""
    source = cfg.get("source", "mediawiki-dump")
    if source == "text-folder" and cfg.get("folder") and Path(cfg["folder"]).is_dir():
        out = []
        for path in _folder_files(Path(cfg["folder"])):
            digest = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            out.append(f"{path.name} {path.stat().st_size} sha256:{digest.hexdigest()[:16]}")
        return out
    if source == "mediawiki-dump" and cfg.get("dump_path") and Path(cfg["dump_path"]).is_file():
        st = Path(cfg["dump_path"]).stat()
        return [f"{Path(cfg['dump_path']).name} {st.st_size} mtime:{st.st_mtime_ns}"]
    return []


def read_text_folder(folder: str | os.PathLike | None, max_articles: int | None = None):
    if not folder:
        raise ConfigError(
            "data.text.folder",
            "is required when source is text-folder",
            "a folder of *.txt or *.jsonl files",
        )
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(
            f"data.text.folder: {folder} is not a folder; give a folder of *.txt or "
            "*.jsonl articles"
        )
    articles = []
    for path in _folder_files(folder):
        if path.suffix == ".txt":
            text = _utf8(path)
            if text.strip():
                articles.append({"title": path.stem, "text": text})
        elif path.suffix == ".jsonl":
            for lineno, line in enumerate(_utf8(path).split("\n"), 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    text = rec["text"]
                except (json.JSONDecodeError, KeyError, TypeError) as exc:
                    raise DataError(
                        f"data.text.folder: {path}:{lineno} is not a JSON object with a 'text' "
                        "field; fix that line"
                    ) from exc
                if str(text).strip():
                    articles.append(
                        {"title": str(rec.get("title", f"{path.stem}:{lineno}")), "text": str(text)}
                    )
    if max_articles:
        articles = articles[:max_articles]
    if not articles:
        raise DataError(
            f"data.text.folder: {folder} has no non-empty *.txt or *.jsonl articles; "
            "add some or use source: mediawiki-dump"
        )
    return articles


def _first_articles(records, max_articles: int) -> list[dict]:
    articles = []
    for rec in records:
        if rec.get("text", "").strip():
            articles.append({"title": rec.get("title", ""), "text": rec["text"]})
        if len(articles) >= max_articles:
            break
    return articles


@contextlib.contextmanager
def _datasets_offline():
    """``datasets`` in offline mode (no network attempt, not even a retry), restored afterwards."""
    names = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    env = {var: os.environ.get(var) for var in names}
    os.environ.update({var: "1" for var in names})
    try:
        import datasets  # heavy: only the hf-wikipedia source needs it

        old = {a: getattr(datasets.config, a) for a in names if hasattr(datasets.config, a)}
        for attr in old:
            setattr(datasets.config, attr, True)
        try:
            yield datasets
        finally:
            for attr, value in old.items():
                setattr(datasets.config, attr, value)
    finally:
        for var, value in env.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _cached_hf_wikipedia(dataset: str, name: str, max_articles: int) -> list[dict]:
    """The first articles of a copy in the local ``datasets`` cache (the hub is offline)."""
    try:
        with _datasets_offline() as datasets:
            cached = datasets.load_dataset(dataset, name, split="train")
    except (OSError, ValueError) as exc:  # ConnectionError / DatasetNotFoundError: no cached copy
        raise UserError(
            f"data.text.source: hf-wikipedia streams {dataset} from the hub, which is offline "
            f"(HF_HUB_OFFLINE set or no network) and nothing is cached for {name} "
            f"({type(exc).__name__}); set data.text.source: mediawiki-dump (works offline) or "
            "text-folder"
        ) from exc
    articles = _first_articles(cached, max_articles)
    print(f"hub offline: read {len(articles)} articles of {dataset} {name} from the local cache")
    return articles


def read_hf_wikipedia(dataset: str, date: str, language: str, max_articles: int):
    name = f"{date}.{language}"
    if hub_offline():
        return _cached_hf_wikipedia(dataset, name, max_articles)
    import datasets  # heavy: only the hf-wikipedia source needs it

    try:
        stream = datasets.load_dataset(dataset, name, split="train", streaming=True)
        articles = _first_articles(stream, max_articles)
    except (ValueError, FileNotFoundError, ConnectionError) as exc:
        raise UserError(
            f"data.text: could not stream {dataset} config {name!r} ({type(exc).__name__}); use a "
            "dump date and language the hub still serves (e.g. 20231101, en)"
        ) from exc
    return articles


def load_articles(cfg: dict):
    """Articles from the configured source (``cfg`` = the ``data.text`` section)."""
    source = cfg.get("source", "mediawiki-dump")
    max_articles = cfg.get("max_articles")
    if source == "mediawiki-dump":
        return read_mediawiki_dump(cfg.get("dump_path"), max_articles)
    if source == "text-folder":
        return read_text_folder(cfg.get("folder"), max_articles)
    if source == "hf-wikipedia":
        return read_hf_wikipedia(
            cfg.get("hf_dataset", "wikimedia/wikipedia"),
            str(cfg.get("hf_date", "20231101")),
            cfg.get("hf_language", "en"),
            int(max_articles or 2048),
        )
    raise ConfigError("data.text.source", f"{source!r} is not a text source", ", ".join(SOURCES))


def describe(cfg: dict) -> str:
    """A short human-readable name of the text source, for figure captions and manifests."""
    source = cfg.get("source", "mediawiki-dump")
    if source == "mediawiki-dump":
        path = cfg.get("dump_path")
        return "enwiki shortened dump (gensim)" if not path else f"MediaWiki dump {Path(path).name}"
    if source == "hf-wikipedia":
        return (
            f"{cfg.get('hf_dataset', 'wikimedia/wikipedia')} "
            f"{cfg.get('hf_date')}.{cfg.get('hf_language')}"
        )
    return f"text folder {Path(str(cfg.get('folder'))).name}"
