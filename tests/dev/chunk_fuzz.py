#!/usr/bin/env python3
"""Differential fuzzer for src/chunk: compares the C splitters with a small
Python model of langchain-text-splitters 0.3.8 as spec §7 describes it (the
model is written from the spec and runs on Python's own `re`, so it also
checks that PCRE2 behaves like `re` for the patterns used).

    make unit && python3 tests/dev/chunk_fuzz.py build/tests/test_chunk [N] [SEED]

The C side is `test_chunk --split`, which reads one case on stdin. Not part of
tests/run.sh: it needs nothing but python3, but it is a development tool.
"""
import random
import re
import subprocess
import sys

SPACE = "\t\n\v\f\r \x1c\x1d\x1e\x1f\x85\xa0\u1680" + "".join(
    chr(c) for c in range(0x2000, 0x200B)) + "\u2028\u2029\u202f\u205f\u3000"


def split_with_regex(text, sep, keep):
    if sep:
        if keep:
            parts = re.split(f"({sep})", text)
            out = [parts[i] + parts[i + 1] for i in range(1, len(parts), 2)]
            if len(parts) % 2 == 0:
                out += parts[-1:]
            out = [parts[0]] + out
        else:
            out = re.split(sep, text)
    else:
        out = list(text)
    return [s for s in out if s != ""]


def merge(splits, sep, size, overlap):
    sl = len(sep)
    docs, cur, total = [], [], 0

    def join(parts):
        t = sep.join(parts).strip(SPACE)
        return t or None

    for d in splits:
        n = len(d)
        if total + n + (sl if cur else 0) > size:
            if cur:
                j = join(cur)
                if j is not None:
                    docs.append(j)
                while total > overlap or (total + n + (sl if cur else 0) > size and total > 0):
                    total -= len(cur[0]) + (sl if len(cur) > 1 else 0)
                    cur = cur[1:]
        cur.append(d)
        total += n + (sl if len(cur) > 1 else 0)
    j = join(cur)
    if j is not None:
        docs.append(j)
    return docs


def character(text, sep, size, overlap, is_regex):
    pat = sep if is_regex else re.escape(sep)
    return merge(split_with_regex(text, pat, False), sep, size, overlap)


def recursive(text, seps, size, overlap, is_regex):
    seps = seps or ["\n\n", "\n", " ", ""]

    def rec(t, seps):
        final = []
        chosen, rest = seps[-1], []
        for i, s in enumerate(seps):
            p = s if is_regex else re.escape(s)
            if s == "":
                chosen = s
                break
            if re.search(p, t):
                chosen, rest = s, seps[i + 1:]
                break
        p = chosen if is_regex else re.escape(chosen)
        good = []
        for s in split_with_regex(t, p, True):
            if len(s) < size:
                good.append(s)
            else:
                if good:
                    final.extend(merge(good, "", size, overlap))
                    good = []
                final.extend([s] if not rest else rec(s, rest))
        if good:
            final.extend(merge(good, "", size, overlap))
        return final

    return rec(text, seps)


def run_c(binary, kind, size, overlap, is_regex, seps, text, max_chunks=0):
    data = f"{kind} {size} {overlap} {int(is_regex)} {len(seps)} {max_chunks}\n".encode()
    for s in seps + [text]:
        b = s.encode()
        data += f"{len(b)}\n".encode() + b
    out = subprocess.run([binary, "--split"], input=data, capture_output=True, check=True).stdout
    if out.startswith(b"ERR "):
        return ("ERR", out[4:].decode().strip())
    head, _, rest = out.partition(b"\n")
    count = int(head.split()[1])
    chunks = []
    for _ in range(count):
        ln, _, rest = rest.partition(b"\n")
        ln = int(ln)
        chunks.append(rest[:ln].decode())
        rest = rest[ln:]
    return chunks


ALPHABET = ["a", "b", "c", " ", "  ", "\n", "\n\n", "\t", ".", ",", "#", "é", "ж", "中", "😀", "\u3000", "\xa0",
            "x y", "ab", "\r\n"]
LIT_SEPS = ["\n\n", "\n", " ", "", ".", ", ", "ab", "#", "é", "中", "😀"]
RE_SEPS = [r"\s+", r"\s*", r"(?=#)", r"(?<=\.)", r"\n\n+", r"[.,]", r"(,)", r"(a)|(b)", r"b*", r"\b", r"x?",
           r"(\s)", r"$", r"^", r"(?:ab)+", r"\W", r"\d|é"]


def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    rnd = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    bad = 0
    for case in range(n):
        text = "".join(rnd.choice(ALPHABET) for _ in range(rnd.randint(0, rnd.choice([60, 60, 400]))))
        is_regex = rnd.random() < 0.4
        pool = RE_SEPS + LIT_SEPS if is_regex else LIT_SEPS
        size = rnd.randint(0, rnd.choice([25, 25, 200]))
        overlap = rnd.randint(0, size)
        if rnd.random() < 0.03:  # accepted by LangChain 0.3.8, behave "per the algorithm"
            size, overlap = rnd.randint(-3, 3), rnd.randint(-5, 0)
            overlap = min(overlap, size)
        if rnd.random() < 0.5:
            kind, seps = 1, [rnd.choice(pool)]
        else:
            kind, seps = 2, rnd.sample(pool, rnd.randint(0, 4))
        try:
            want = character(text, seps[0], size, overlap, is_regex) if kind == 1 else \
                recursive(text, seps, size, overlap, is_regex)
        except (TypeError, IndexError) as e:
            want = type(e).__name__
        got = run_c(binary, kind, size, overlap, is_regex, seps, text)
        ok = got == want or (isinstance(want, str) and isinstance(got, tuple) and want in got[1])
        if not ok:
            bad += 1
            if bad <= 10:
                print(f"MISMATCH kind={kind} size={size} overlap={overlap} regex={is_regex} seps={seps!r}\n"
                      f"  text={text!r}\n  want={want!r}\n  got ={got!r}")
    print(f"{n} cases, {bad} mismatches")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
