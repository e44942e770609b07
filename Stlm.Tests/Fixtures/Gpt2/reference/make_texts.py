#!/usr/bin/env python3
"""Writes texts.json: the texts whose GPT-2 encodings the tests compare against a reference.

Usage: python3 make_texts.py TINYSTORIES_TXT > texts.json
Hand-picked tricky cases, a few KB of TinyStories, and seeded random Unicode strings.
Lone surrogates (invalid UTF-16) are in: both sides encode them as U+FFFD's bytes.
U+0085 and U+FEFF are left out of the texts given to the JavaScript reference: JavaScript's
\\s differs from Python's (GPT-2's) there; texts_python_only cover them in gpt2-pieces.json.
"""
import json, random, sys

tricky = [
    "Hello world",
    "Hello, world! How's it going? I'm fine; you'll see, we'd've... they're here, we've won.",
    "DON'T SHOUT: 'S 'T 'RE 'VE 'M 'LL 'D are upper-case, so no contraction split.",
    "'s 't 're 've 'm 'll 'd 'x '' ''s ' 's",
    "rock'n'roll isn't o'clock; the cats' toys; 'quoted' and \"double\"",
    "Numbers: 0 1 12 123 1234 12345678901234567890 3.14159 -42 +7 1,000,000 1e-9 0x1F 2nd 3rd",
    "Mixed a1b2c3 and 99bottles and v2.0.1-beta+build.7",
    "two  spaces, three   spaces, four    spaces, tab\there, tabs\t\tthere",
    "trailing space ",
    "trailing spaces   ",
    "   leading spaces",
    "\n\nnewlines\n\n\nmany\n \n\t\nmixed\r\nwindows\rold mac\n",
    "line\n    indented code\n\tand tabbed\n",
    " ",
    "   ",
    "\n",
    "",
    "a",
    "emoji 😀 😃😄 👍🏽 👨‍👩‍👧‍👦 🇩🇪 ❤️ and text",
    "CJK: 日本語のテキスト、中文文本。한국어 텍스트",
    "Accents: café naïve résumé Ångström façade jalapeño Æsir Øresund straße ĳ",
    "Combining: e\u0301 a\u0308 n\u0303 o\u0302\u0323 Z\u0335\u0321\u0330a\u0336l\u0337g\u0338o",
    "Greek Ελληνικά, Cyrillic кириллица, Arabic العربية, Hebrew עברית, Devanagari हिन्दी, Thai ภาษาไทย",
    "Math 𝐀𝐁𝐂 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ∑∫∂√∞ ≤≥≠ ½ ¾ ² ³ Ⅻ ⑤",
    "Fullwidth ＡＢＣ１２３ and Arabic-Indic digits ٠١٢٣٤٥٦٧٨٩",
    "Punctuation!!! ??? ... --- *** ### @@@ $$$ %%% ^^^ &&& ((( ))) ___ +++ === {{{ }}} [[[ ]]] ||| \\\\ /// <<< >>>",
    "URL https://example.com/path?q=1&r=two#frag and email someone@example.org",
    "code: for (int i = 0; i < n; i++) { x[i] += y[i] * 2; } // done",
    "json {\"key\": [1, 2.5, null, true], \"k2\": \"v\"}",
    "nbsp\u00a0here and ideographic\u3000space and thin\u2009space and line\u2028sep",
    "controls \x00\x01\x02\x07\x08\x1b[0m\x7f end",
    "<|endoftext|>",
    "a<|endoftext|>b",
    "The end.<|endoftext|>Once upon a time",
    "<|endoftext|><|endoftext|>",
    " <|endoftext|> spaced <|endoftext|>\n",
    "<|endoftext|",
    "<|endoftext|><|endoftext",
    "<|startoftext|> is not special here",
    "A" * 300,
    " " * 300 + "x",
    "ab" * 200,
    "\n" * 50,
    "lone surrogates a\ud800b x \udc00\ud800 y \ud83d",
    "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
]

def random_text(rng, n):
    pools = [
        [chr(c) for c in range(0x20, 0x7f)],
        [" ", " ", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u3000", "\u2028", "\u2003"],
        [chr(c) for c in range(0xc0, 0x180)],
        [chr(c) for c in range(0x300, 0x370)],
        [chr(c) for c in range(0x4e00, 0x4e80)],
        [chr(c) for c in range(0xac00, 0xac40)],
        [chr(c) for c in range(0x0600, 0x0650)],
        [chr(c) for c in range(0x0905, 0x0940)],
        [chr(c) for c in range(0x1f600, 0x1f640)],
        [chr(c) for c in range(0x1d400, 0x1d450)],
        [chr(c) for c in range(0x1, 0x20)],
        ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'", "\u200d", "\ufe0f"],
        [chr(c) for c in range(0x30, 0x3a)] + [chr(c) for c in range(0x660, 0x66a)] + ["½", "²", "Ⅻ"],
    ]
    return "".join(rng.choice(rng.choice(pools)) for _ in range(n))

def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        stories = f.read(6000)
    stories = stories[: stories.rfind(" ")]
    rng = random.Random(20261123)
    randoms = [random_text(rng, rng.randint(1, 200)) for _ in range(60)]
    python_only = [
        "next\x85line and bom\ufeffhere",
        "a\x85\x85b \x85 x\ufeff\ufeffy \ufeff",
        "\x85",
        "word\x85 word",
    ]
    json.dump({"texts": tricky + [stories] + randoms, "texts_python_only": python_only},
              sys.stdout, ensure_ascii=True, indent=1)

main()
