#!/usr/bin/env python3
"""Local stand-in for the OpenAI, Ollama and Voyage AI embedding APIs.

Tests and the demo point the worker at this server instead of the real
services.  It speaks the three HTTP dialects (request and response JSON,
status codes, error bodies), returns deterministic vectors that carry some
meaning (texts sharing words are close in cosine distance) and lets a test
inject faults through an admin API on the same port.  See README.md next to
this file for every endpoint and switch.

Python 3.11 standard library only.

    python3 tests/provider/server.py --host 127.0.0.1 --port 0 --port-file FILE [--log FILE]
"""

import argparse
import array
import base64
import binascii
import collections
import copy
import gc
import hashlib
import http
import itertools
import json
import math
import os
import re
import signal
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DIALECTS = ("openai", "ollama", "voyage")

# ---------------------------------------------------------------------------
# Model tables
# ---------------------------------------------------------------------------

# name -> (native dimension, allowed `dimensions` values: "range" = 1..native,
#          "fixed" = only the native value, context length in tokens)
OPENAI_MODELS = {
    "text-embedding-3-small": (1536, "range", 8192),
    "text-embedding-3-large": (3072, "range", 8192),
    "text-embedding-ada-002": (1536, "fixed", 8192),
}
OPENAI_MAX_INPUTS = 2048
OPENAI_MAX_REQUEST_TOKENS = 300_000

# name -> (dimension, context length, family, parameter size)
OLLAMA_MODELS = {
    "nomic-embed-text": (768, 2048, "nomic-bert", "137M"),
    "all-minilm": (384, 512, "bert", "23M"),
    "mxbai-embed-large": (1024, 512, "bert", "334M"),
    "snowflake-arctic-embed": (1024, 512, "bert", "335M"),
    "bge-m3": (1024, 8192, "bert", "567M"),
    "bge-large": (1024, 512, "bert", "335M"),
    "granite-embedding": (384, 512, "bert", "30M"),
    "paraphrase-multilingual": (768, 512, "bert", "278M"),
}
OLLAMA_DEFAULT_PULLED = ["nomic-embed-text", "all-minilm", "mxbai-embed-large"]
OLLAMA_DEFAULT_CONTEXT = 2048
OLLAMA_VERSION = "0.6.5"

# name -> (default dimension, flexible output_dimension?, context length,
#          max tokens per request)
VOYAGE_FLEX_DIMS = (256, 512, 1024, 2048)
VOYAGE_MODELS = {
    "voyage-3-large": (1024, True, 32000, 120_000),
    "voyage-3.5": (1024, True, 32000, 320_000),
    "voyage-3.5-lite": (1024, True, 32000, 1_000_000),
    "voyage-3": (1024, False, 32000, 320_000),
    "voyage-3-lite": (512, False, 32000, 1_000_000),
    "voyage-code-3": (1024, True, 32000, 120_000),
    "voyage-2": (1024, False, 4000, 320_000),
    "voyage-large-2": (1536, False, 16000, 120_000),
    "voyage-large-2-instruct": (1024, False, 16000, 120_000),
    "voyage-code-2": (1536, False, 16000, 120_000),
    "voyage-multilingual-2": (1024, False, 32000, 120_000),
    "voyage-finance-2": (1024, False, 32000, 120_000),
    "voyage-law-2": (1024, False, 16000, 120_000),
}
VOYAGE_MAX_INPUTS = 128
VOYAGE_DEFAULT_CONTEXT = 32000
VOYAGE_DEFAULT_REQUEST_TOKENS = 120_000
VOYAGE_DTYPES = ("float", "int8", "uint8", "binary", "ubinary")


def any_table_dim(name):
    """Native dimension of `name` in any built-in table, or None."""
    if name in OPENAI_MODELS:
        return OPENAI_MODELS[name][0]
    base = ollama_base_name(name)
    if base in OLLAMA_MODELS:
        return OLLAMA_MODELS[base][0]
    if name in VOYAGE_MODELS:
        return VOYAGE_MODELS[name][0]
    return None


def ollama_full_name(name):
    """Ollama's canonical form: a missing tag means ':latest'."""
    last = name.rsplit("/", 1)[-1]
    return name if ":" in last else name + ":latest"


def ollama_base_name(name):
    """The model table key: the name without its tag."""
    last = name.rsplit("/", 1)[-1]  # a namespace ("library/x") maps to x
    return last.split(":", 1)[0]


# ---------------------------------------------------------------------------
# Tokens and vectors
# ---------------------------------------------------------------------------

# Tokens are counted as whitespace-separated words (at least 1 for a
# non-empty text).  Every such word is at least one token for the real
# tokenizers, so this count is a lower bound: a limit checked with it never
# rejects a request the real service would accept.
_SPACE_WORD_RE = re.compile(r"\S+")
# Words for hashing: runs of letters and digits of the lower-cased text.
_WORD_RE = re.compile(r"[^\W_]+")

STOPWORDS = frozenset(
    "a an and are as at be but by for from has have he her his i in is it its "
    "of on or not she that the their they this to was we were will with you".split()
)

_HASH_PERSON = b"pgai-provider-v1"  # blake2b personalisation, 16 bytes max
_WORD_FEATURES = {}                  # word -> ((64-bit hash, signed weight), ...)
_DIM_FEATURES = {}                   # dim -> {word -> ((bucket, signed weight), ...)}
_CACHE_MAX = 500_000
_F32 = struct.Struct("<f")
_LITTLE = sys.byteorder == "little"


def count_tokens(text):
    n = len(text.split())
    return n if n or not text else 1


def truncate_tokens(text, limit):
    """`text` cut after its first `limit` whitespace-separated words."""
    for i, m in enumerate(_SPACE_WORD_RE.finditer(text)):
        if i == limit - 1:
            return text[: m.end()]
    return text


def _hashed_feature(s, weight):
    d = hashlib.blake2b(s.encode("utf-8"), digest_size=9, person=_HASH_PERSON).digest()
    return (int.from_bytes(d[:8], "little"), -weight if d[8] & 1 else weight)


def stem(word):
    """A crude English stem: plural "s"/"ies", then one of -ing -ed -ly -er."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    for suffix in ("ing", "ed", "ly", "er"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[:-len(suffix)]
    return word


def word_features(word):
    """The hashed features of one (lower-case) word, independent of dim."""
    f = _WORD_FEATURES.get(word)
    if f is None:
        if word in STOPWORDS:
            f = (_hashed_feature(word, 0.1),)
        else:
            f = (_hashed_feature(word, 1.0), _hashed_feature("~" + stem(word), 0.7))
        if len(_WORD_FEATURES) >= _CACHE_MAX:
            _WORD_FEATURES.clear()
        _WORD_FEATURES[word] = f
    return f


def _dim_cache(dim):
    cache = _DIM_FEATURES.get(dim)
    if cache is None or len(cache) >= _CACHE_MAX:
        # Replaced, never cleared: a thread still using the old dict is fine.
        cache = _DIM_FEATURES[dim] = {}
    return cache


EMPTY_VECTOR = ((0,), (1.0,))


def sparse_embedding(text, dim):
    """The vector of `text` in `dim` dimensions: (indexes, values), unit length.

    Feature hashing of a bag of words: lower-cased runs of letters and digits;
    each occurrence of a word adds +/-1.0 (stop words +/-0.1) to bucket
    blake2b(word) mod dim, and each occurrence of a non-stop word also adds
    +/-0.7 for its stem ("~" + stem(word)), so "cat" and "cats" stay close.
    The sign comes from the hash too.  The result is L2-normalised.
    A text without words gets the unit vector e0.  The model name and
    input_type are not part of the hash.
    """
    words = _WORD_RE.findall(text.lower())
    if not words:
        return EMPTY_VECTOR
    cache = _dim_cache(dim)
    for w in set(words).difference(cache):
        cache[w] = tuple((h % dim, wt) for h, wt in word_features(w))
    acc = {}
    get = acc.get
    for b, w in itertools.chain.from_iterable(map(cache.__getitem__, words)):
        acc[b] = get(b, 0.0) + w
    # (A bucket whose features cancelled out stays in, as an explicit 0.0.)
    norm = math.hypot(*acc.values())
    if norm == 0.0:
        return EMPTY_VECTOR
    keys = tuple(acc)
    values = tuple(map((1.0 / norm).__mul__, acc.values()))
    return keys, values


def f32(v):
    return _F32.unpack(_F32.pack(v))[0]


class _FloatTexts(dict):
    """value -> JSON text of the value rounded to float32 with 9 significant
    digits (parses back to exactly the same float32); never a bare integer.
    Components repeat a lot (a text's words mostly weigh the same), so this
    cache saves most of the formatting."""

    def __missing__(self, v):
        s = "%.9g" % f32(v)
        if "." not in s and "e" not in s and "n" not in s:
            s += ".0"
        self[v] = s
        return s


_FLOAT_TEXTS = _FloatTexts()


def float_texts(values):
    global _FLOAT_TEXTS
    cache = _FLOAT_TEXTS
    if len(cache) > 200_000:
        cache = _FLOAT_TEXTS = _FloatTexts()  # replaced, never cleared
    return map(cache.__getitem__, values)


_ZERO_LISTS = {}


def vector_json(vec, dim, extra=0):
    """JSON array text of a sparse vector; `extra` appends that many zeros."""
    base = _ZERO_LISTS.get(dim)
    if base is None:
        base = _ZERO_LISTS[dim] = ["0.0"] * dim
    parts = base.copy()
    keys, values = vec
    for k, t in zip(keys, float_texts(values)):
        parts[k] = t
    if extra:
        parts.extend(["0.0"] * extra)
    return "[" + ",".join(parts) + "]"


_ZERO_ARRAYS = {}


def vector_base64(vec, dim, extra=0):
    """base64 of little-endian float32 values."""
    n = dim + extra
    zeros = _ZERO_ARRAYS.get(n)
    if zeros is None:
        zeros = _ZERO_ARRAYS[n] = array.array("f", bytes(4 * n))
    arr = zeros[:]
    keys, values = vec
    for k, v in zip(keys, values):
        arr[k] = v
    if not _LITTLE:
        arr.byteswap()
    return binascii.b2a_base64(arr, newline=False).decode("ascii")


def dense(vec, dim):
    out = [0.0] * dim
    keys, values = vec
    for b, v in zip(keys, values):
        out[b] = v
    return out


def quantize(vec, dim, dtype):
    """Voyage output_dtype other than float: a list of ints.

    int8: round(v*127); uint8: round(v*127)+128; binary/ubinary: one bit per
    dimension (v > 0), packed eight to a byte, most significant bit first,
    returned as int8 (byte-128, "offset binary") or uint8.
    """
    values = dense(vec, dim)
    if dtype == "int8":
        return [max(-128, min(127, round(v * 127))) for v in values]
    if dtype == "uint8":
        return [max(0, min(255, round(v * 127) + 128)) for v in values]
    packed = []
    for i in range(0, dim - dim % 8, 8):
        byte = 0
        for v in values[i:i + 8]:
            byte = (byte << 1) | (1 if v > 0 else 0)
        packed.append(byte - 128 if dtype == "binary" else byte)
    return packed


def ints_base64(values, signed):
    return base64.b64encode(struct.pack("<%d%s" % (len(values), "b" if signed else "B"), *values)).decode("ascii")


# ---------------------------------------------------------------------------
# Switches
# ---------------------------------------------------------------------------

def _nonneg_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _pos_int_or_none(v):
    return v is None or (_nonneg_int(v) and v > 0)


def _nonneg_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0


def _str_or_none(v):
    return v is None or isinstance(v, str)


def _poison_ok(v):
    return v is None or (isinstance(v, str) and v != "") or (
        isinstance(v, list) and all(isinstance(x, str) and x for x in v))


def _dialect_ok(v):
    if v is None:
        return True
    if isinstance(v, str):
        return v in DIALECTS
    return isinstance(v, list) and all(x in DIALECTS for x in v)


def _models_ok(v):
    return isinstance(v, dict) and all(isinstance(k, str) and _nonneg_int(d) and d > 0 for k, d in v.items())


def _allow_ok(v):
    return isinstance(v, bool) or (isinstance(v, list) and all(x in DIALECTS for x in v))


def _names_ok(v):
    return isinstance(v, list) and all(isinstance(x, str) and x for x in v)


def _status_ok(v):
    return _nonneg_int(v) and 100 <= v <= 599


def _retry_ok(v):
    return v is None or _nonneg_num(v)


def _tristate_ok(v):
    return v is None or isinstance(v, bool)


def _pull_fails_ok(v):
    return isinstance(v, bool) or isinstance(v, str)


# Switches that are faults: they follow the `dialect` restriction and can be
# overridden per dialect.  name -> (default, validator)
FAULT_SWITCHES = {
    "latency_ms": (0, _nonneg_num),
    "latency_per_input_ms": (0, _nonneg_num),
    "fail_next": (0, _nonneg_int),
    "rate_limit_next": (0, _nonneg_int),
    "malformed_next": (0, _nonneg_int),
    "truncated_next": (0, _nonneg_int),
    "wrong_count_next": (0, _nonneg_int),
    "wrong_dim_next": (0, _nonneg_int),
    "timeout_next": (0, _nonneg_int),
    "disconnect_next": (0, _nonneg_int),
    "require_api_key": (None, _str_or_none),
    "poison": (None, _poison_ok),
    "max_inputs": (None, _pos_int_or_none),
    "max_input_tokens": (None, _pos_int_or_none),
    "max_request_tokens": (None, _pos_int_or_none),
    "force_float": (False, lambda v: isinstance(v, bool)),
}
# Plain settings (not restricted by `dialect`, but may also be overridden per
# dialect).
SETTINGS = {
    "dialect": (None, _dialect_ok),
    "fail_status": (500, _status_ok),
    "retry_after": (1, _retry_ok),
    "should_retry": (None, _tristate_ok),
    "hang_ms": (30000, _nonneg_num),
    "default_dim": (768, lambda v: _nonneg_int(v) and v > 0),
    "models": ({}, _models_ok),
    "allow_unknown_models": (["voyage"], _allow_ok),
    "pulled_models": (list(OLLAMA_DEFAULT_PULLED), _names_ok),
    "pull_fails": (False, _pull_fails_ok),
    "pull_fail_status": (500, _status_ok),
}
ALL_SWITCHES = {**FAULT_SWITCHES, **SETTINGS}
COUNTERS = [k for k in FAULT_SWITCHES if k.endswith("_next")]


class SwitchError(ValueError):
    pass


def validate_switches(obj, allow_sections=True):
    if not isinstance(obj, dict):
        raise SwitchError("the control body must be a JSON object")
    for key, value in obj.items():
        if allow_sections and key in DIALECTS:
            if not isinstance(value, dict):
                raise SwitchError("section %r must be a JSON object" % key)
            validate_switches(value, allow_sections=False)
            if "dialect" in value or "pulled_models" in value:
                raise SwitchError("%r cannot be set per dialect" % ("dialect" if "dialect" in value else "pulled_models"))
            continue
        if key not in ALL_SWITCHES:
            raise SwitchError("unknown switch %r (known: %s)" % (key, ", ".join(sorted(ALL_SWITCHES))))
        if not ALL_SWITCHES[key][1](value):
            raise SwitchError("invalid value for %r: %s" % (key, json.dumps(value)))


def _new_dialect_stats():
    return {
        "requests": 0,
        "inputs": 0,
        "embedded": 0,
        "max_inputs": 0,
        "status": {},
        "endpoints": {},
        "body_sizes": collections.deque(maxlen=1000),
        "recent": collections.deque(maxlen=200),
        "last_path": None,
        "last_headers": None,
        "last_body": None,
    }


LAST_BODY_MAX = 65536


def mask_secret(value):
    if len(value) <= 8:
        return "***"
    return value[:3] + "..." + value[-2:]


class State:
    """Switches, Ollama's pulled models and statistics, behind one lock."""

    def __init__(self, initial):
        self.lock = threading.Lock()
        self.initial = initial
        self.reset()

    def reset(self):
        with self.lock:
            self.switches = {k: copy.deepcopy(v[0]) for k, v in ALL_SWITCHES.items()}
            self.switches["pulled_models"] = [ollama_full_name(n) for n in self.switches["pulled_models"]]
            self.sections = {d: {} for d in DIALECTS}
            self._apply(copy.deepcopy(self.initial))
            self.stats = {d: _new_dialect_stats() for d in DIALECTS}
            self.admin_requests = 0
            self.connections = 0

    def reset_stats(self):
        with self.lock:
            self.stats = {d: _new_dialect_stats() for d in DIALECTS}
            self.connections = 0

    def count_connection(self):
        with self.lock:
            self.connections += 1

    def control(self, obj):
        validate_switches(obj)
        with self.lock:
            self._apply(obj)
            return self._snapshot()

    def _apply(self, obj):
        for key, value in obj.items():
            if key in DIALECTS:
                self.sections[key].update(copy.deepcopy(value))
            elif key == "pulled_models":
                self.switches[key] = [ollama_full_name(n) for n in value]
            else:
                self.switches[key] = copy.deepcopy(value)

    def snapshot(self):
        with self.lock:
            return self._snapshot()

    def _snapshot(self):
        out = copy.deepcopy(self.switches)
        for d in DIALECTS:
            out[d] = copy.deepcopy(self.sections[d])
        return out

    # -- lookups used while serving (callers hold no lock) ----------------
    def _global_applies(self, dialect, key):
        if key not in FAULT_SWITCHES:
            return True
        if key == "require_api_key" and dialect == "ollama":
            return False  # Ollama has no authentication
        restrict = self.switches["dialect"]
        if restrict is None:
            return True
        if isinstance(restrict, str):
            return restrict == dialect
        return dialect in restrict

    def get(self, dialect, key):
        with self.lock:
            return self._get(dialect, key)

    def _get(self, dialect, key):
        section = self.sections[dialect]
        if key in section:
            return copy.deepcopy(section[key])
        if self._global_applies(dialect, key):
            return copy.deepcopy(self.switches[key])
        return copy.deepcopy(ALL_SWITCHES[key][0])

    def take(self, dialect, key):
        """Consume one unit of counter `key`; True when the fault applies."""
        with self.lock:
            section = self.sections[dialect]
            if key in section:
                if section[key] > 0:
                    section[key] -= 1
                    return True
                return False
            if self._global_applies(dialect, key) and self.switches[key] > 0:
                self.switches[key] -= 1
                return True
            return False

    def is_pulled(self, name):
        with self.lock:
            return ollama_full_name(name) in self.switches["pulled_models"]

    def pull(self, name):
        with self.lock:
            full = ollama_full_name(name)
            if full not in self.switches["pulled_models"]:
                self.switches["pulled_models"].append(full)

    def pulled(self):
        with self.lock:
            return list(self.switches["pulled_models"])

    # -- statistics -------------------------------------------------------
    def record_request(self, dialect, path, headers, raw, parsed, embedding):
        with self.lock:
            s = self.stats[dialect]
            s["endpoints"][path] = s["endpoints"].get(path, 0) + 1
            s["last_path"] = path
            s["last_headers"] = headers
            if len(raw) <= LAST_BODY_MAX and parsed is not None:
                s["last_body"] = parsed
            elif len(raw) <= LAST_BODY_MAX:
                s["last_body"] = {"_unparsed": raw.decode("utf-8", "replace")}
            else:
                s["last_body"] = {"_omitted_bytes": len(raw)}
            if embedding:
                s["requests"] += 1
                s["body_sizes"].append(len(raw))

    def record_inputs(self, dialect, n):
        with self.lock:
            s = self.stats[dialect]
            s["inputs"] += n
            s["max_inputs"] = max(s["max_inputs"], n)

    def record_response(self, dialect, path, status, inputs, model, bytes_in, bytes_out, ms, embedded, at):
        with self.lock:
            s = self.stats[dialect]
            key = str(status) if status else "closed"
            s["status"][key] = s["status"].get(key, 0) + 1
            s["embedded"] += embedded
            s["recent"].append({
                "path": path, "status": status, "inputs": inputs, "model": model,
                "bytes_in": bytes_in, "bytes_out": bytes_out, "ms": round(ms, 3), "at": round(at, 6),
            })

    def stats_json(self):
        with self.lock:
            out = {}
            for d, s in self.stats.items():
                o = dict(s)
                o["status"] = dict(s["status"])
                o["endpoints"] = dict(s["endpoints"])
                o["body_sizes"] = list(s["body_sizes"])
                o["recent"] = list(s["recent"])
                out[d] = copy.deepcopy(o)
            out["pulled_models"] = list(self.switches["pulled_models"])
            out["connections"] = self.connections  # TCP connections accepted (keep-alive shows as few)
            out["control"] = self._snapshot()
            return out


# ---------------------------------------------------------------------------
# HTTP plumbing
# ---------------------------------------------------------------------------

class Reply(Exception):
    """Raised inside a dialect handler to answer at once."""

    def __init__(self, status, body, headers=None, ctype="application/json"):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.ctype = ctype


class Disconnect(Exception):
    """Close the connection without answering."""


class Pieces(list):
    """A response body as a list of ASCII str pieces (see Handler.send)."""


def json_bytes(obj):
    return json.dumps(obj).encode("utf-8")


SHUTDOWN = threading.Event()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pgai-test-provider/1.0"
    sys_version = ""
    timeout = 600  # idle keep-alive connections are closed after this

    # -- connection -------------------------------------------------------
    def setup(self):
        super().setup()
        self.server.app.state.count_connection()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):  # http.server's own messages
        self.server.app_log("%s %s" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, status, body=b"", ctype="application/json", headers=None,
             declared_length=None, send_bytes=None, method=None):
        """Write the response: status line, headers and body.

        `body` is bytes, or a list of ASCII str pieces (large embedding
        responses) which is encoded and written about 1 MB at a time, so that
        no second copy of a response of tens of MB is ever built.
        """
        if isinstance(body, Pieces):
            if declared_length is None and send_bytes is None:
                return self.send_pieces(status, body, ctype, headers)
            body = "".join(body).encode("ascii")
        try:
            reason = http.HTTPStatus(status).phrase
        except ValueError:
            reason = "Status %d" % status
        lines = [
            "HTTP/1.1 %d %s" % (status, reason),
            "Server: %s" % self.server_version,
            "Date: %s" % self.date_time_string(),
        ]
        if ctype:
            lines.append("Content-Type: %s" % ctype)
        lines.append("Content-Length: %d" % (len(body) if declared_length is None else declared_length))
        for k, v in (headers or {}).items():
            lines.append("%s: %s" % (k, v))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        payload = body if send_bytes is None else body[:send_bytes]
        if (method or self.command) == "HEAD":
            payload = b""
        self.wfile.write(head + payload)
        self.bytes_out = len(payload)

    def send_pieces(self, status, pieces, ctype, headers):
        length = sum(map(len, pieces))
        self.send(status, b"", ctype, headers, declared_length=length)
        if self.command == "HEAD":
            return
        group, size = [], 0
        for piece in pieces:
            group.append(piece)
            size += len(piece)
            if size >= 1 << 20:
                self.wfile.write("".join(group).encode("ascii"))
                group, size = [], 0
        if group:
            self.wfile.write("".join(group).encode("ascii"))
        self.bytes_out = length

    # -- routing ----------------------------------------------------------
    def dispatch(self, method):
        started = time.monotonic()
        app = self.server.app
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        self.bytes_out = 0
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send(400, b"bad request body", "text/plain")
            return
        dialect = route_dialect(path)
        ctx = Ctx(self, app, method, path, url.query, raw, dialect, started)
        try:
            if dialect is None:
                ctx.admin()
            else:
                ctx.serve()
        except Reply as r:
            ctx.finish(r.status, r.body, r.ctype, r.headers)
        except Disconnect:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            if dialect is not None:
                ctx.record(0)
            ctx.log_line(0)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug here: answer 500 so the test sees it
            import traceback
            traceback.print_exc()
            self.close_connection = True
            ctx.finish(500, {"error": "internal error in the test provider: %r" % e})


def route_dialect(path):
    if path.startswith("/_"):
        return None
    if path == "/voyage" or path.startswith("/voyage/"):
        return "voyage"
    if path == "/" or path == "/api" or path.startswith("/api/"):
        return "ollama"
    return "openai"


class Ctx:
    """One request being served."""

    def __init__(self, handler, app, method, path, query, raw, dialect, started):
        self.h = handler
        self.app = app
        self.state = app.state
        self.method = method
        self.path = path
        self.query = query
        self.raw = raw
        self.dialect = dialect
        self.started = started
        self.received_at = time.time() - (time.monotonic() - started)  # wall clock, for benchmarks
        self.cpu_started = time.process_time()
        self.body = None
        self.body_error = None
        self.inputs_n = 0
        self.model = None
        self.embedded = 0
        if raw:
            try:
                self.body = json.loads(raw)
            except (ValueError, UnicodeDecodeError) as e:
                self.body_error = str(e)

    # -- output -----------------------------------------------------------
    def finish(self, status, body, ctype="application/json", headers=None, **kw):
        if isinstance(body, (dict, list)) and not isinstance(body, Pieces):
            body = json_bytes(body)
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.h.send(status, body, ctype, headers, **kw)
        if self.dialect is not None:
            self.record(status)
        self.log_line(status)

    def record(self, status):
        ms = (time.monotonic() - self.started) * 1000
        self.state.record_response(self.dialect, self.path, status, self.inputs_n, self.model,
                                   len(self.raw), self.h.bytes_out, ms,
                                   self.embedded if status == 200 else 0, self.received_at)

    def log_line(self, status):
        ms = (time.monotonic() - self.started) * 1000
        cpu_ms = (time.process_time() - self.cpu_started) * 1000
        self.app.log("%s %s %s dialect=%s inputs=%d status=%s in=%d out=%d ms=%.1f cpu_ms=%.1f" % (
            self.h.address_string(), self.method, self.path, self.dialect or "admin",
            self.inputs_n, status or "disconnect", len(self.raw), self.h.bytes_out, ms, cpu_ms))

    def masked_headers(self):
        out = {}
        for k, v in self.h.headers.items():
            if k.lower() in ("authorization", "x-api-key", "api-key"):
                scheme, _, secret = v.partition(" ")
                v = (scheme + " " + mask_secret(secret)) if secret else mask_secret(v)
            out[k] = v
        return out

    # -- admin API ----------------------------------------------------------
    def admin(self):
        p, m = self.path, self.method
        if self.body_error is not None:
            raise Reply(400, {"error": "invalid JSON: " + self.body_error})
        if p == "/_control" and m == "GET":
            raise Reply(200, self.state.snapshot())
        if p == "/_control" and m == "POST":
            try:
                raise Reply(200, self.state.control(self.body or {}))
            except SwitchError as e:
                raise Reply(400, {"error": str(e)})
        if p == "/_reset" and m == "POST":
            self.state.reset()
            if self.body:
                try:
                    self.state.control(self.body)
                except SwitchError as e:
                    raise Reply(400, {"error": str(e)})
            raise Reply(200, self.state.snapshot())
        if p == "/_stats" and m == "GET":
            out = self.state.stats_json()
            if parse_qs(self.query).get("reset", ["0"])[0] not in ("0", ""):
                self.state.reset_stats()
            raise Reply(200, out)
        if p == "/_stats/reset" and m == "POST":
            self.state.reset_stats()
            raise Reply(200, {"ok": True})
        if p == "/_embed" and m == "POST":
            b = self.body if isinstance(self.body, dict) else {}
            dim = b.get("dim", self.state.get("openai", "default_dim"))
            inp = b.get("input")
            texts = [inp] if isinstance(inp, str) else inp
            if not (_nonneg_int(dim) and dim > 0) or not isinstance(texts, list) or \
                    not all(isinstance(t, str) for t in texts):
                raise Reply(400, {"error": "want {\"input\": string or [strings], \"dim\": n}"})
            vecs = [[f32(x) for x in dense(sparse_embedding(t, dim), dim)] for t in texts]
            raise Reply(200, {"embeddings": vecs, "tokens": [count_tokens(t) for t in texts]})
        if p == "/_health":
            raise Reply(200, {"ok": True})
        raise Reply(404, {"error": "no admin endpoint %s %s" % (m, p)})

    # -- provider endpoints -------------------------------------------------
    def serve(self):
        d, p, m = self.dialect, self.path, self.method
        if d == "ollama":
            embedding = p in ("/api/embed", "/api/embeddings")
        elif d == "voyage":
            embedding = p.endswith("/embeddings")
        else:
            embedding = p.endswith("/embeddings")
        self.state.record_request(d, p, self.masked_headers(), self.raw, self.body, embedding)
        if d == "ollama":
            return self.serve_ollama(p, m, embedding)
        if d == "voyage":
            if not embedding:
                raise Reply(404, {"detail": "Not Found"})
            if m != "POST":
                raise Reply(405, {"detail": "Method Not Allowed"})
            return self.embed_request()
        if not embedding:
            raise Reply(404, openai_error("Invalid URL (%s %s)" % (m, p), "invalid_request_error"))
        if m != "POST":
            raise Reply(405, openai_error("Invalid method for URL (%s %s)" % (m, p), "invalid_request_error"))
        return self.embed_request()

    def serve_ollama(self, p, m, embedding):
        if p == "/" and m in ("GET", "HEAD"):
            raise Reply(200, b"Ollama is running", ctype="text/plain; charset=utf-8")
        if p == "/api/version" and m == "GET":
            raise Reply(200, {"version": OLLAMA_VERSION})
        if p == "/api/tags" and m == "GET":
            raise Reply(200, {"models": [ollama_model_entry(n, self.model_dim_ollama(n)) for n in self.state.pulled()]})
        if p == "/api/show" and m == "POST":
            return self.ollama_show()
        if p == "/api/pull" and m == "POST":
            return self.ollama_pull()
        if embedding and m == "POST":
            return self.embed_request()
        if embedding or p in ("/api/show", "/api/pull", "/api/tags", "/api/version", "/"):
            raise Reply(405, b"405 method not allowed", ctype="text/plain")
        raise Reply(404, b"404 page not found", ctype="text/plain")

    def model_dim_ollama(self, name):
        extra = self.state.get("ollama", "models")
        if name in extra:
            return extra[name]
        base = ollama_base_name(name)
        if base in extra:
            return extra[base]
        if base in OLLAMA_MODELS:
            return OLLAMA_MODELS[base][0]
        return self.state.get("ollama", "default_dim")

    def ollama_name(self):
        b = self.body if isinstance(self.body, dict) else None
        if self.body_error is not None or b is None:
            raise Reply(400, {"error": "invalid request body: %s" % (self.body_error or "expected a JSON object")})
        name = b.get("model") or b.get("name")
        if not isinstance(name, str) or not name:
            raise Reply(400, {"error": "model is required"})
        return b, name

    def ollama_show(self):
        _, name = self.ollama_name()
        self.model = name
        if not self.state.is_pulled(name):
            raise Reply(404, {"error": "model '%s' not found" % name})
        raise Reply(200, ollama_show_body(name, self.model_dim_ollama(name)))

    def ollama_pull(self):
        b, name = self.ollama_name()
        self.model = name
        stream = b.get("stream", True) is not False
        fails = self.state.get("ollama", "pull_fails")
        if fails:
            msg = fails if isinstance(fails, str) else "pull model manifest: file does not exist"
            if stream:
                lines = [{"status": "pulling manifest"}, {"error": msg}]
                raise Reply(200, "".join(json.dumps(x) + "\n" for x in lines), ctype="application/x-ndjson")
            raise Reply(self.state.get("ollama", "pull_fail_status"), {"error": msg})
        self.state.pull(name)
        if not stream:
            raise Reply(200, {"status": "success"})
        digest = "sha256:" + hashlib.sha256(name.encode()).hexdigest()
        size = 1000 * self.model_dim_ollama(name)
        lines = [
            {"status": "pulling manifest"},
            {"status": "pulling %s" % digest[7:19], "digest": digest, "total": size, "completed": size},
            {"status": "verifying sha256 digest"},
            {"status": "writing manifest"},
            {"status": "success"},
        ]
        raise Reply(200, "".join(json.dumps(x) + "\n" for x in lines), ctype="application/x-ndjson")

    # -- the common embedding path -------------------------------------------
    def embed_request(self):
        d = self.dialect
        st = self.state
        dialect_obj = DIALECT_IMPL[d]
        # Count inputs early so statistics see them even for failed requests.
        if isinstance(self.body, dict):
            key = "prompt" if (d == "ollama" and self.path == "/api/embeddings") else "input"
            inp = self.body.get(key)
            self.inputs_n = len(inp) if isinstance(inp, list) and not _is_token_array(inp) else (
                1 if inp is not None else 0)
            m = self.body.get("model")
            self.model = m if isinstance(m, str) else None
        st.record_inputs(d, self.inputs_n)

        # 1. latency
        delay = st.get(d, "latency_ms") + st.get(d, "latency_per_input_ms") * self.inputs_n
        if delay > 0:
            SHUTDOWN.wait(delay / 1000.0)
        # 2. hang
        if st.take(d, "timeout_next"):
            if SHUTDOWN.wait(st.get(d, "hang_ms") / 1000.0):
                raise Disconnect()
        # 3. dropped connection
        if st.take(d, "disconnect_next"):
            raise Disconnect()
        # 4. authentication
        want = st.get(d, "require_api_key")
        if want is not None:
            got = bearer_key(self.h.headers.get("Authorization"))
            if got != want:
                raise Reply(401, dialect_obj.auth_error(got))
        # 5. rate limit and server errors
        extra = {}
        should_retry = st.get(d, "should_retry")
        if should_retry is not None:
            extra["x-should-retry"] = "true" if should_retry else "false"
        if st.take(d, "rate_limit_next"):
            ra = st.get(d, "retry_after")
            h = dict(extra)
            if ra is not None:
                h["retry-after"] = ("%g" % ra)
                h["retry-after-ms"] = str(int(round(ra * 1000)))
            raise Reply(429, dialect_obj.rate_limit_error(self.model), h)
        if st.take(d, "fail_next"):
            status = st.get(d, "fail_status")
            raise Reply(status, dialect_obj.server_error(status), extra)
        # 6. validation and embedding (dialect specific); returns a Result
        res = dialect_obj.embed(self)
        # 7. response faults
        if st.take(d, "wrong_count_next"):
            res.drop_last = True
        if st.take(d, "wrong_dim_next"):
            res.extra_dim = 1
        body = res.render()  # a list of ASCII str pieces
        self.embedded = res.count()
        headers = res.headers
        if st.take(d, "malformed_next"):
            self.embedded = 0
            body = "".join(body).encode("ascii")
            body = body[: max(1, len(body) // 2)] + b"<<malformed>>"
            self.finish(200, body, "application/json", headers)
            return
        if st.take(d, "truncated_next"):
            self.h.close_connection = True
            self.embedded = 0
            body = "".join(body).encode("ascii")
            self.finish(200, body, "application/json", headers,
                        declared_length=len(body) + 1024, send_bytes=len(body) // 2)
            return
        self.finish(200, body, "application/json", headers)


def bearer_key(value):
    if not value:
        return None
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return rest.strip()


def _is_token_array(x):
    return isinstance(x, list) and len(x) > 0 and all(isinstance(t, int) and not isinstance(t, bool) for t in x)


def poison_hit(texts, poison):
    if poison is None:
        return None
    needles = [poison] if isinstance(poison, str) else poison
    for i, t in enumerate(texts):
        for p in needles:
            if p in t:
                return i, p
    return None


class Result:
    """An embedding response waiting to be rendered."""

    def __init__(self, vectors, dim, render_fn, headers=None):
        self.vectors = vectors
        self.dim = dim
        self.render_fn = render_fn
        self.headers = headers or {}
        self.drop_last = False
        self.extra_dim = 0

    def count(self):
        return max(0, len(self.vectors) - (1 if self.drop_last else 0))

    def render(self):
        vecs = self.vectors[:-1] if self.drop_last else self.vectors
        return self.render_fn(vecs, self.dim, self.extra_dim)


# ---------------------------------------------------------------------------
# OpenAI
# ---------------------------------------------------------------------------

def openai_error(message, etype, param=None, code=None):
    return {"error": {"message": message, "type": etype, "param": param, "code": code}}


def openai_mask_key(key):
    if len(key) <= 12:
        return key
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


class OpenAI:
    @staticmethod
    def auth_error(got):
        if not got:
            return openai_error(
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
                "field (with blank username) if you're accessing the API from your browser and are "
                "prompted for a username. You can obtain an API key from "
                "https://platform.openai.com/account/api-keys.", "invalid_request_error")
        return openai_error(
            "Incorrect API key provided: %s. You can find your API key at "
            "https://platform.openai.com/account/api-keys." % openai_mask_key(got),
            "invalid_request_error", None, "invalid_api_key")

    @staticmethod
    def rate_limit_error(model):
        return openai_error(
            "Rate limit reached for %s in organization org-provider-test on requests per min (RPM): "
            "Limit 3000, Used 3000, Requested 1. Please try again in 20ms. Visit "
            "https://platform.openai.com/account/rate-limits to learn more." % (model or "model"),
            "requests", None, "rate_limit_exceeded")

    @staticmethod
    def server_error(status):
        if status == 503:
            return openai_error("The engine is currently overloaded, please try again later.", "server_error")
        if status >= 500:
            return openai_error("The server had an error while processing your request. Sorry about that!",
                                "server_error")
        return openai_error("Injected failure (status %d)." % status, "invalid_request_error")

    @staticmethod
    def bad(message, param=None, code=None, status=400):
        raise Reply(status, openai_error(message, "invalid_request_error", param, code))

    @classmethod
    def embed(cls, ctx):
        st, d = ctx.state, "openai"
        if ctx.body_error is not None or ctx.body is None:
            cls.bad("We could not parse the JSON body of your request. (HINT: This likely means you aren't "
                    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
                    "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
                    "contact us through our help center at help.openai.com.)")
        b = ctx.body
        if not isinstance(b, dict):
            cls.bad("Invalid type for body: expected an object.")
        model = b.get("model")
        if model is None:
            cls.bad("you must provide a model parameter")
        if not isinstance(model, str):
            cls.bad("Invalid type for 'model': expected a string, but got %s instead." % json_type(model), "model",
                    "invalid_type")
        if "input" not in b or b["input"] is None:
            cls.bad("'input' is a required property", "input")
        texts, tokens = openai_inputs(b["input"])
        enc = b.get("encoding_format", "float")
        if enc is None:
            enc = "float"
        if enc not in ("float", "base64"):
            cls.bad("'%s' is not one of ['float', 'base64'] - 'encoding_format'" % enc, "encoding_format")
        user = b.get("user")
        if user is not None and not isinstance(user, str):
            cls.bad("Invalid type for 'user': expected a string, but got %s instead." % json_type(user), "user",
                    "invalid_type")
        dims = b.get("dimensions")
        if dims is not None and (not isinstance(dims, int) or isinstance(dims, bool)):
            cls.bad("Invalid type for 'dimensions': expected an integer, but got %s instead." % json_type(dims),
                    "dimensions", "invalid_type")
        if dims is not None and dims < 1:
            cls.bad("Invalid 'dimensions': integer below minimum value. Expected a value >= 1, but got %d "
                    "instead." % dims, "dimensions", "integer_below_min_value")

        # model and dimension
        extra = st.get(d, "models")
        context = 8192
        if model in extra:
            dim = dims or extra[model]
        elif model in OPENAI_MODELS:
            native, kind, context = OPENAI_MODELS[model]
            if dims is not None and kind == "fixed" and dims != native:
                cls.bad("This model does not support specifying dimensions.", "dimensions")
            if dims is not None and dims > native:
                cls.bad("Invalid 'dimensions': integer above maximum value. Expected a value <= %d, but got "
                        "%d instead." % (native, dims), "dimensions", "integer_above_max_value")
            dim = dims or native
        elif any_table_dim(model) is not None:
            dim = dims or any_table_dim(model)
        elif allows_unknown(st.get(d, "allow_unknown_models"), d):
            dim = dims or st.get(d, "default_dim")
        else:
            raise Reply(404, openai_error("The model `%s` does not exist or you do not have access to it." % model,
                                          "invalid_request_error", None, "model_not_found"))

        # limits
        n = len(texts)
        max_inputs = st.get(d, "max_inputs") or OPENAI_MAX_INPUTS
        if n > max_inputs:
            cls.bad("Too many inputs. The max number of inputs is %d. We recommend breaking up your request "
                    "into smaller batches." % max_inputs, "input")
        if n == 0 or any(t == "" for t in texts):
            cls.bad("'$.input' is invalid. Please check the API reference: "
                    "https://platform.openai.com/docs/api-reference.")
        counts = [tk if tk is not None else count_tokens(t) for t, tk in zip(texts, tokens)]
        limit = st.get(d, "max_input_tokens") or context
        for c in counts:
            if c > limit:
                cls.bad("This model's maximum context length is %d tokens, however you requested %d tokens "
                        "(%d in your prompt; 0 for the completion). Please reduce your prompt; or completion "
                        "length." % (limit, c, c))
        total = sum(counts)
        req_limit = st.get(d, "max_request_tokens") or OPENAI_MAX_REQUEST_TOKENS
        if total > req_limit:
            raise Reply(400, openai_error("Requested %d tokens, max %d tokens per request" % (total, req_limit),
                                          "max_tokens_per_request", None, "max_tokens_per_request"))
        hit = poison_hit(texts, st.get(d, "poison"))
        if hit is not None:
            cls.bad("Invalid input: input[%d] contains the poisoned text %s and cannot be embedded."
                    % (hit[0], json.dumps(hit[1])), "input")

        vectors = [sparse_embedding(t, dim) for t in texts]
        use_b64 = enc == "base64" and not st.get(d, "force_float")

        def render(vecs, dim_, extra_dim):
            fmt = vector_base64 if use_b64 else vector_json
            q = '"' if use_b64 else ""
            pieces = Pieces(['{"object":"list","data":['])
            for i, v in enumerate(vecs):
                pieces.append('%s{"object":"embedding","index":%d,"embedding":%s%s%s}'
                              % ("," if i else "", i, q, fmt(v, dim_, extra_dim), q))
            pieces.append('],"model":%s,"usage":{"prompt_tokens":%d,"total_tokens":%d}}'
                          % (json.dumps(model), total, total))
            return pieces

        ms = int((time.monotonic() - ctx.started) * 1000)
        headers = {
            "openai-model": json.dumps(model)[1:-1],
            "openai-organization": "org-provider-test",
            "openai-processing-ms": str(ms),
            "openai-version": "2020-10-01",
            "x-request-id": "req_" + uuid.uuid4().hex,
        }
        return Result(vectors, dim, render, headers)


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return "a number"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "an array"
    return "an object"


def openai_inputs(inp):
    """(texts, token counts or None) of an OpenAI `input` value.

    Token arrays are accepted: each token id t becomes the word "tok<t>".
    """
    bad = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
    if isinstance(inp, str):
        return [inp], [None]
    if not isinstance(inp, list):
        OpenAI.bad(bad)
    if _is_token_array(inp):
        return [" ".join("tok%d" % t for t in inp)], [len(inp)]
    if all(isinstance(x, str) for x in inp):
        return list(inp), [None] * len(inp)
    if all(_is_token_array(x) for x in inp):
        return [" ".join("tok%d" % t for t in x) for x in inp], [len(x) for x in inp]
    OpenAI.bad(bad)


def allows_unknown(setting, dialect):
    if isinstance(setting, bool):
        return setting
    return dialect in setting


# ---------------------------------------------------------------------------
# Ollama
# ---------------------------------------------------------------------------

MODIFIED_AT = "2025-01-01T00:00:00.000000000Z"


def ollama_details(name):
    base = ollama_base_name(name)
    info = OLLAMA_MODELS.get(base)
    family = info[2] if info else "bert"
    return {
        "parent_model": "",
        "format": "gguf",
        "family": family,
        "families": [family],
        "parameter_size": info[3] if info else "100M",
        "quantization_level": "F16",
    }


def ollama_model_entry(name, dim):
    digest = hashlib.sha256(name.encode()).hexdigest()
    return {
        "name": name,
        "model": name,
        "modified_at": MODIFIED_AT,
        "size": 1000 * dim,
        "digest": digest,
        "details": ollama_details(name),
    }


def ollama_context(name):
    info = OLLAMA_MODELS.get(ollama_base_name(name))
    return info[1] if info else OLLAMA_DEFAULT_CONTEXT


def ollama_show_body(name, dim):
    details = ollama_details(name)
    arch = details["family"]
    ctx = ollama_context(name)
    return {
        "license": "Apache License Version 2.0 (test stand-in)",
        "modelfile": "# Modelfile generated by \"ollama show\"\nFROM %s\nPARAMETER num_ctx %d\n" % (name, ctx),
        "parameters": "num_ctx                        %d" % ctx,
        "template": "{{ .Prompt }}",
        "details": details,
        "model_info": {
            "general.architecture": arch,
            "general.file_type": 1,
            "general.parameter_count": 1000 * dim,
            "%s.context_length" % arch: ctx,
            "%s.embedding_length" % arch: dim,
            "%s.pooling_type" % arch: 1,
        },
        "capabilities": ["embedding"],
        "modified_at": MODIFIED_AT,
    }


class Ollama:
    @staticmethod
    def auth_error(got):
        return {"error": "unauthorized"}

    @staticmethod
    def rate_limit_error(model):
        return {"error": "too many requests, try again later"}

    @staticmethod
    def server_error(status):
        if status == 503:
            return {"error": "server busy, please try again.  maximum pending requests exceeded"}
        return {"error": "injected failure (status %d)" % status}

    @staticmethod
    def embed(ctx):
        st, d = ctx.state, "ollama"
        legacy = ctx.path == "/api/embeddings"
        if ctx.body_error is not None or not isinstance(ctx.body, dict):
            raise Reply(400, {"error": "invalid request body: %s" % (ctx.body_error or "expected a JSON object")})
        b = ctx.body
        model = b.get("model")
        if not isinstance(model, str) or not model:
            raise Reply(400, {"error": "model is required"})
        if not st.is_pulled(model):
            raise Reply(404, {"error": "model \"%s\" not found, try pulling it first" % model})
        dim = ctx.model_dim_ollama(model)
        if legacy:
            prompt = b.get("prompt", "")
            if not isinstance(prompt, str):
                raise Reply(400, {"error": "invalid prompt type"})
            texts = [prompt] if prompt else []
        else:
            inp = b.get("input")
            if isinstance(inp, str):
                texts = [inp] if inp else []
            elif isinstance(inp, list):
                if not all(isinstance(x, str) for x in inp):
                    raise Reply(400, {"error": "invalid input type"})
                texts = list(inp)
            elif inp is None:
                texts = []
            else:
                raise Reply(400, {"error": "invalid input type"})
        max_inputs = st.get(d, "max_inputs")
        if max_inputs is not None and len(texts) > max_inputs:
            raise Reply(400, {"error": "too many inputs: %d, the maximum is %d" % (len(texts), max_inputs)})
        truncate = b.get("truncate", True) is not False
        limit = st.get(d, "max_input_tokens") or ollama_context(model)
        counts = []
        for i, t in enumerate(texts):
            c = count_tokens(t)
            if c > limit:
                if not truncate:
                    raise Reply(400, {"error": "input length exceeds the context length"})
                texts[i] = truncate_tokens(t, limit)
                c = limit
            counts.append(c)
        total = sum(counts)
        req_limit = st.get(d, "max_request_tokens")
        if req_limit is not None and total > req_limit:
            raise Reply(400, {"error": "too many tokens in request: %d, the maximum is %d" % (total, req_limit)})
        hit = poison_hit(texts, st.get(d, "poison"))
        if hit is not None:
            raise Reply(400, {"error": "invalid input: input %d contains the poisoned text %s"
                                       % (hit[0], json.dumps(hit[1]))})
        vectors = [sparse_embedding(t, dim) for t in texts]
        started = ctx.started

        def render(vecs, dim_, extra_dim):
            if legacy:
                return Pieces(['{"embedding":', vector_json(vecs[0], dim_, extra_dim) if vecs else "[]", "}"])
            pieces = Pieces(['{"model":%s,"embeddings":[' % json.dumps(model)])
            for i, v in enumerate(vecs):
                pieces.append(("," if i else "") + vector_json(v, dim_, extra_dim))
            total_ns = int((time.monotonic() - started) * 1e9) + 1000
            pieces.append('],"total_duration":%d,"load_duration":%d,"prompt_eval_count":%d}'
                          % (total_ns, total_ns // 10, total))
            return pieces

        return Result(vectors, dim, render)


# ---------------------------------------------------------------------------
# Voyage AI
# ---------------------------------------------------------------------------

class Voyage:
    @staticmethod
    def auth_error(got):
        if not got:
            return {"detail": "No API key provided. Provide your API key in the Authorization header "
                              "as 'Bearer <API key>'."}
        return {"detail": "Provided API key is invalid."}

    @staticmethod
    def rate_limit_error(model):
        return {"detail": "You have exceeded the rate limit of your organization. Please try again later."}

    @staticmethod
    def server_error(status):
        if status in (502, 503, 504):
            return {"detail": "The server is overloaded or not ready yet."}
        if status >= 500:
            return {"detail": "The server failed to process the request."}
        return {"detail": "Injected failure (status %d)." % status}

    @staticmethod
    def bad(detail, status=400):
        raise Reply(status, {"detail": detail})

    @classmethod
    def embed(cls, ctx):
        st, d = ctx.state, "voyage"
        if ctx.body_error is not None or not isinstance(ctx.body, dict):
            cls.bad("Invalid request body: %s" % (ctx.body_error or "expected a JSON object"))
        b = ctx.body
        model = b.get("model")
        if not isinstance(model, str) or not model:
            cls.bad("Field 'model' is required and must be a string.")
        inp = b.get("input")
        if isinstance(inp, str):
            texts = [inp]
        elif isinstance(inp, list) and all(isinstance(x, str) for x in inp):
            texts = list(inp)
        else:
            cls.bad("Field 'input' must be a string or a list of strings.")
        if not texts:
            cls.bad("Field 'input' must not be an empty list.")
        input_type = b.get("input_type")
        if input_type not in (None, "query", "document"):
            cls.bad("Value '%s' supplied for argument 'input_type' is not valid -- accepted values are "
                    "'query', 'document' and None." % input_type)
        truncation = b.get("truncation", True)
        if not isinstance(truncation, bool):
            cls.bad("Value supplied for argument 'truncation' must be a boolean.")
        enc = b.get("encoding_format")
        if enc not in (None, "base64"):
            cls.bad("Value '%s' supplied for argument 'encoding_format' is not valid -- accepted values are "
                    "'base64' and None." % enc)
        dtype = b.get("output_dtype") or "float"
        if dtype not in VOYAGE_DTYPES:
            cls.bad("Value '%s' supplied for argument 'output_dtype' is not valid -- accepted values are %s."
                    % (dtype, ", ".join("'%s'" % x for x in VOYAGE_DTYPES)))
        out_dim = b.get("output_dimension")
        if out_dim is not None and (not isinstance(out_dim, int) or isinstance(out_dim, bool) or out_dim < 1):
            cls.bad("Value supplied for argument 'output_dimension' must be a positive integer.")

        extra = st.get(d, "models")
        context, req_limit = VOYAGE_DEFAULT_CONTEXT, VOYAGE_DEFAULT_REQUEST_TOKENS
        if model in extra:
            dim = out_dim or extra[model]
        elif model in VOYAGE_MODELS:
            native, flex, context, req_limit = VOYAGE_MODELS[model]
            if out_dim is not None and out_dim != native and not (flex and out_dim in VOYAGE_FLEX_DIMS):
                if flex:
                    cls.bad("Value %d supplied for argument 'output_dimension' is not valid for model '%s' -- "
                            "accepted values are %s." % (out_dim, model, ", ".join(map(str, VOYAGE_FLEX_DIMS))))
                cls.bad("Model '%s' does not support argument 'output_dimension' with value %d; its only output "
                        "dimension is %d." % (model, out_dim, native))
            dim = out_dim or native
        elif allows_unknown(st.get(d, "allow_unknown_models"), d):
            dim = out_dim or st.get(d, "default_dim")
        else:
            cls.bad("Model %s is not supported. Supported models are %s."
                    % (model, ", ".join(sorted(VOYAGE_MODELS))))
        if dtype in ("binary", "ubinary") and dim % 8:
            cls.bad("output_dtype '%s' requires an output dimension that is a multiple of 8." % dtype)

        max_inputs = st.get(d, "max_inputs") or VOYAGE_MAX_INPUTS
        if len(texts) > max_inputs:
            cls.bad("The batch size limit is %d. Your batch size is %d." % (max_inputs, len(texts)))
        limit = st.get(d, "max_input_tokens") or context
        counts = []
        for i, t in enumerate(texts):
            c = count_tokens(t)
            if c > limit:
                if not truncation:
                    cls.bad("Request to model '%s' failed. Input text at index %d has %d tokens, which exceeds "
                            "the context length of %d. Please set truncation to true or shorten the input."
                            % (model, i, c, limit))
                texts[i] = truncate_tokens(t, limit)
                c = limit
            counts.append(c)
        total = sum(counts)
        req_limit = st.get(d, "max_request_tokens") or req_limit
        if total > req_limit:
            cls.bad("Request to model '%s' failed. The max allowed tokens per submitted batch is %d. Your batch "
                    "has %d tokens after truncation. Please lower the number of tokens in the batch."
                    % (model, req_limit, total))
        hit = poison_hit(texts, st.get(d, "poison"))
        if hit is not None:
            cls.bad("Invalid input: input at index %d contains the poisoned text %s." % (hit[0], json.dumps(hit[1])))

        vectors = [sparse_embedding(t, dim) for t in texts]
        use_b64 = enc == "base64" and not st.get(d, "force_float")

        def one(v, dim_, extra_dim):
            if dtype == "float":
                if use_b64:
                    return '"' + vector_base64(v, dim_, extra_dim) + '"'
                return vector_json(v, dim_, extra_dim)
            q = quantize(v, dim_, dtype) + [0] * extra_dim
            if use_b64:
                return '"' + ints_base64(q, dtype in ("int8", "binary")) + '"'
            return "[" + ",".join(map(str, q)) + "]"

        def render(vecs, dim_, extra_dim):
            pieces = Pieces(['{"object":"list","data":['])
            for i, v in enumerate(vecs):
                pieces.append('%s{"object":"embedding","embedding":%s,"index":%d}'
                              % ("," if i else "", one(v, dim_, extra_dim), i))
            pieces.append('],"model":%s,"usage":{"total_tokens":%d}}' % (json.dumps(model), total))
            return pieces

        return Result(vectors, dim, render)


DIALECT_IMPL = {"openai": OpenAI, "ollama": Ollama, "voyage": Voyage}


# ---------------------------------------------------------------------------
# Server
# ---------------------------------------------------------------------------

class App:
    def __init__(self, initial, log_path):
        self.state = State(initial)
        self.log_lock = threading.Lock()
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None

    def log(self, line):
        if self.log_file is None:
            return
        with self.log_lock:
            self.log_file.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), line))
            self.log_file.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, addr, app):
        host = addr[0]
        if ":" in host:
            self.address_family = socket.AF_INET6
        self.app = app
        super().__init__(addr, Handler)

    def server_bind(self):
        # Skip HTTPServer's reverse DNS lookup of the address.
        socketserver.TCPServer.server_bind(self)
        self.server_name = self.server_address[0]
        self.server_port = self.server_address[1]

    def app_log(self, line):
        self.app.log(line)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        import traceback
        self.app.log("internal error from %s: %s" % (client_address, traceback.format_exc().replace("\n", " | ")))
        traceback.print_exc()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = any free port (default)")
    ap.add_argument("--port-file", help="write the chosen port here once listening")
    ap.add_argument("--log", help="append one line per request to this file")
    ap.add_argument("--config", default="{}",
                    help="initial switches as a JSON object; /_reset returns to these")
    args = ap.parse_args(argv)
    try:
        initial = json.loads(args.config)
        validate_switches(initial)
    except (ValueError, SwitchError) as e:
        ap.error("--config: %s" % e)

    # Serving a large batch allocates millions of short-lived objects and no
    # cycles; collecting less often saves a third of the time.
    gc.set_threshold(200_000, 50, 100)
    app = App(initial, args.log)
    server = Server((args.host, args.port), app)
    port = server.server_address[1]

    def on_signal(signum, frame):
        SHUTDOWN.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
    thread.start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    app.log("listening on %s:%d" % (args.host, port))
    while not SHUTDOWN.wait(1.0):
        pass
    app.log("shutting down")
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
