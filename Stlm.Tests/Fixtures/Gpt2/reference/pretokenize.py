#!/usr/bin/env python3
"""Prints gpt2-pieces.json: GPT-2's pre-tokenisation of every text in texts.json (both lists),
by GPT-2's own pattern run with Python's `regex` module, as in GPT-2's encoder.py.

Usage: python3 pretokenize.py texts.json > gpt2-pieces.json   (needs `pip install regex`)
"""
import json, sys
import regex

PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")

with open(sys.argv[1], encoding="utf-8") as f:
    data = json.load(f)
texts = data["texts"] + data["texts_python_only"]
cases = [{"text": t, "pieces": PATTERN.findall(t)} for t in texts]
json.dump({"reference": f"python regex {regex.__version__}, GPT-2 encoder.py pattern", "cases": cases},
          sys.stdout, ensure_ascii=True)
print()
