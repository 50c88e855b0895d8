"""Tests of the embedding-provider stand-in (server.py) over real HTTP.

    python3 -m unittest tests/provider/test_server.py      # from the repository root

One server process is started on a free port for the whole module; every test
starts from POST /_reset.  A few tests start their own process (signals,
--config, the shell helper).
"""

import base64
import http.client
import json
import math
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(HERE, "server.py")
sys.path.insert(0, HERE)
import server as provider  # noqa: E402  (the same code, for expected vectors)

OPENAI_401_INVALID = {
    "error": {
        "message": "Incorrect API key provided: invalid. You can find your API key at "
                   "https://platform.openai.com/account/api-keys.",
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
}


def start_server(tmp, *extra):
    port_file = os.path.join(tmp, "port")
    log = os.path.join(tmp, "server.log")
    with open(os.path.join(tmp, "stderr"), "w") as err:
        proc = subprocess.Popen(
            [sys.executable, SERVER, "--host", "127.0.0.1", "--port", "0", "--port-file", port_file,
             "--log", log, *extra],
            stdout=subprocess.DEVNULL, stderr=err)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            with open(port_file) as f:
                text = f.read().strip()
            if text:
                return proc, int(text)
        if proc.poll() is not None:
            with open(os.path.join(tmp, "stderr")) as f:
                raise RuntimeError("server exited: " + f.read())
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("server did not write its port file")


def stop_server(proc, sig=signal.SIGTERM):
    proc.send_signal(sig)
    try:
        return proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


TMP = None
PROC = None
PORT = None


def setUpModule():
    global TMP, PROC, PORT
    TMP = tempfile.TemporaryDirectory(prefix="provider-test-")
    PROC, PORT = start_server(TMP.name)


def tearDownModule():
    rc = stop_server(PROC)
    TMP.cleanup()
    if rc != 0:
        raise RuntimeError("server exit status %r after SIGTERM" % rc)


class Resp:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw

    def json(self):
        return json.loads(self.raw)


def call(method, path, body=None, headers=None, timeout=30, port=None, raw_body=None):
    url = "http://127.0.0.1:%d%s" % (port or PORT, path)
    data = raw_body if raw_body is not None else (None if body is None else json.dumps(body).encode())
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    req = urllib.request.Request(url, data, h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Resp(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Resp(e.code, e.headers, e.read())


def post(path, body, **kw):
    return call("POST", path, body, **kw)


def control(switches):
    r = post("/_control", switches)
    assert r.status == 200, r.raw
    return r.json()


def stats():
    return call("GET", "/_stats").json()


def norm(v):
    return math.sqrt(sum(x * x for x in v))


def cosine(a, b):
    return sum(x * y for x, y in zip(a, b)) / (norm(a) * norm(b))


def b64floats(s):
    raw = base64.b64decode(s)
    return list(struct.unpack("<%df" % (len(raw) // 4), raw))


def openai(inputs, model="text-embedding-3-small", **kw):
    body = {"input": inputs, "model": model}
    body.update(kw)
    headers = kw.pop("_headers", None)
    body.pop("_headers", None)
    return post("/v1/embeddings", body, headers=headers)


def ollama(inputs, model="nomic-embed-text", **kw):
    body = {"model": model, "input": inputs}
    body.update(kw)
    return post("/api/embed", body)


def voyage(inputs, model="voyage-3-lite", headers=None, **kw):
    body = {"input": inputs, "model": model, "input_type": "document", "truncation": True,
            "encoding_format": "base64"}
    body.update(kw)
    return post("/voyage/v1/embeddings", body, headers=headers)


class Base(unittest.TestCase):
    def setUp(self):
        r = post("/_reset", {})
        self.assertEqual(r.status, 200, r.raw)

    def assertUnit(self, v, places=5):
        self.assertAlmostEqual(norm(v), 1.0, places=places)


# ---------------------------------------------------------------------------
# OpenAI
# ---------------------------------------------------------------------------

class OpenAITest(Base):
    def test_float_response_shape(self):
        r = openai(["post_1", "post_2"], "text-embedding-ada-002", encoding_format="float")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("application/json"))
        b = r.json()
        self.assertEqual(set(b), {"object", "data", "model", "usage"})
        self.assertEqual(b["object"], "list")
        self.assertEqual(b["model"], "text-embedding-ada-002")
        self.assertEqual(len(b["data"]), 2)
        for i, item in enumerate(b["data"]):
            self.assertEqual(set(item), {"object", "index", "embedding"})
            self.assertEqual(item["object"], "embedding")
            self.assertEqual(item["index"], i)
            self.assertEqual(len(item["embedding"]), 1536)
            self.assertTrue(all(isinstance(x, float) for x in item["embedding"]))
            self.assertUnit(item["embedding"])
        self.assertEqual(b["usage"], {"prompt_tokens": 2, "total_tokens": 2})
        self.assertIn("x-request-id", r.headers)

    def test_single_string_input_and_default_encoding(self):
        b = openai("hello world").json()
        self.assertEqual(len(b["data"]), 1)
        self.assertIsInstance(b["data"][0]["embedding"], list)

    def test_base64_is_little_endian_float32_equal_to_floats(self):
        texts = ["the quick brown fox", "jumps over the lazy dog", "x"]
        fl = openai(texts, "text-embedding-3-large", encoding_format="float").json()
        b6 = openai(texts, "text-embedding-3-large", encoding_format="base64").json()
        for a, b in zip(fl["data"], b6["data"]):
            self.assertIsInstance(b["embedding"], str)
            vec = b64floats(b["embedding"])
            self.assertEqual(len(vec), 3072)
            # JSON floats are float32-exact: identical after float32 rounding
            self.assertEqual([provider.f32(x) for x in a["embedding"]], vec)

    def test_dimensions(self):
        self.assertEqual(len(openai("a b", dimensions=256).json()["data"][0]["embedding"]), 256)
        self.assertEqual(len(openai("a b", "text-embedding-3-large").json()["data"][0]["embedding"]), 3072)
        self.assertEqual(len(openai("a b", "text-embedding-3-large", dimensions=3072).json()
                             ["data"][0]["embedding"]), 3072)
        self.assertEqual(len(openai("a b", "text-embedding-ada-002", dimensions=1536).json()
                             ["data"][0]["embedding"]), 1536)
        r = openai("a b", "text-embedding-ada-002", dimensions=768)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"]["type"], "invalid_request_error")
        self.assertEqual(r.json()["error"]["message"], "This model does not support specifying dimensions.")
        r = openai("a b", "text-embedding-3-small", dimensions=2000)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"]["param"], "dimensions")
        r = openai("a b", dimensions=0)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"]["code"], "integer_below_min_value")
        r = openai("a b", dimensions="12")
        self.assertEqual(r.status, 400)

    def test_any_path_prefix_ending_in_embeddings(self):
        for path in ("/embeddings", "/v1/embeddings", "/openai/deployments/x/v1/embeddings", "/v1/embeddings/"):
            r = post(path, {"input": ["a"], "model": "text-embedding-3-small"})
            self.assertEqual(r.status, 200, path)
        r = call("GET", "/v1/embeddings")
        self.assertEqual(r.status, 405)
        self.assertIn("error", r.json())
        r = post("/v1/completions", {"model": "x"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"]["message"], "Invalid URL (POST /v1/completions)")

    def test_unknown_model_404_and_switches(self):
        r = openai("a", "text-embedding-3-bogus")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"error": {
            "message": "The model `text-embedding-3-bogus` does not exist or you do not have access to it.",
            "type": "invalid_request_error", "param": None, "code": "model_not_found"}})
        control({"allow_unknown_models": ["openai", "voyage"], "default_dim": 12})
        b = openai("a", "text-embedding-3-bogus").json()
        self.assertEqual(len(b["data"][0]["embedding"]), 12)
        self.assertEqual(len(openai("a", "text-embedding-3-bogus", dimensions=5).json()["data"][0]["embedding"]), 5)
        post("/_reset", {})
        control({"models": {"my-model": 7}})
        self.assertEqual(len(openai("a", "my-model").json()["data"][0]["embedding"]), 7)
        # OpenAI-compatible servers serve other families' models too
        self.assertEqual(len(openai("a", "nomic-embed-text").json()["data"][0]["embedding"]), 768)

    def test_401_bodies(self):
        control({"require_api_key": "sk-good-key-1234567890"})
        r = openai("a", _headers={"Authorization": "Bearer invalid"})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), OPENAI_401_INVALID)
        r = openai("a", _headers={"Authorization": "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123"})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"]["message"],
                         "Incorrect API key provided: sk-proj-" + "*" * 26 + "0123. You can find your API key "
                         "at https://platform.openai.com/account/api-keys.")
        r = openai("a")
        self.assertEqual(r.status, 401)
        self.assertTrue(r.json()["error"]["message"].startswith("You didn't provide an API key."))
        self.assertIsNone(r.json()["error"]["code"])
        r = openai("a", _headers={"Authorization": "Bearer sk-good-key-1234567890"})
        self.assertEqual(r.status, 200)
        # Ollama is never asked for a key by the global switch
        self.assertEqual(ollama("a").status, 200)
        h = stats()["openai"]["last_headers"]
        self.assertEqual(h["Authorization"], "Bearer sk-...90")

    def test_400_limits(self):
        def err(r):
            self.assertEqual(r.status, 400, r.raw)
            e = r.json()["error"]
            self.assertEqual(set(e), {"message", "type", "param", "code"})
            return e
        e = err(openai(["a"] * 2049))
        self.assertEqual(e["type"], "invalid_request_error")
        self.assertIn("2048", e["message"])
        self.assertEqual(openai(["a"] * 2048).status, 200)
        self.assertIn("'$.input' is invalid", err(openai(""))["message"])
        self.assertIn("'$.input' is invalid", err(openai([]))["message"])
        self.assertIn("'$.input' is invalid", err(openai(["a", ""]))["message"])
        self.assertIn("'$.input' is invalid", err(openai([1, "a"]))["message"])
        # per-input context: 8192 tokens (counted as whitespace-separated words)
        self.assertEqual(openai(" ".join(["w"] * 8192)).status, 200)
        e = err(openai(["ok", " ".join(["w"] * 8193)]))
        self.assertTrue(e["message"].startswith("This model's maximum context length is 8192 tokens, "
                                                "however you requested 8193 tokens"), e["message"])
        control({"max_input_tokens": 3})
        err(openai("one two three four"))
        self.assertEqual(openai("one two three").status, 200)
        control({"max_input_tokens": None, "max_request_tokens": 5})
        r = openai(["one two three", "four five six"])
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"]["code"], "max_tokens_per_request")
        self.assertEqual(r.json()["error"]["message"], "Requested 6 tokens, max 5 tokens per request")
        control({"max_request_tokens": None, "max_inputs": 3})
        err(openai(["a", "b", "c", "d"]))
        self.assertEqual(openai(["a", "b", "c"]).status, 200)
        e = err(openai("x", encoding_format="int8"))
        self.assertEqual(e["param"], "encoding_format")
        r = post("/v1/embeddings", None, raw_body=b"{not json")
        self.assertIn("could not parse the JSON body", err(r)["message"])
        self.assertIn("model parameter", err(post("/v1/embeddings", {"input": "a"}))["message"])
        self.assertEqual(err(post("/v1/embeddings", {"model": "text-embedding-3-small"}))["param"], "input")

    def test_300k_tokens_per_request(self):
        r = openai([" ".join(["w"] * 8000)] * 38)  # 304,000 tokens
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["error"]["message"], "Requested 304000 tokens, max 300000 tokens per request")
        self.assertEqual(openai([" ".join(["w"] * 8000)] * 37).status, 200)

    def test_token_arrays_accepted(self):
        b = openai([[1, 2, 3], [4, 5]]).json()
        self.assertEqual(len(b["data"]), 2)
        self.assertEqual(b["usage"]["prompt_tokens"], 5)
        self.assertEqual(len(openai([1, 2, 3]).json()["data"]), 1)

    def test_poison(self):
        control({"poison": "BAD-ROW"})
        r = openai(["fine", "this is a BAD-ROW here"])
        self.assertEqual(r.status, 400)
        e = r.json()["error"]
        self.assertEqual(e["type"], "invalid_request_error")
        self.assertTrue(e["message"].startswith("Invalid input: "), e["message"])
        self.assertIn("input[1]", e["message"])
        self.assertEqual(openai(["fine"]).status, 200)
        control({"poison": ["p1", "p2"]})
        self.assertEqual(openai(["xx p2 xx"]).status, 400)

    def test_force_float(self):
        control({"force_float": True})
        b = openai(["a b"], encoding_format="base64").json()
        self.assertIsInstance(b["data"][0]["embedding"], list)

    def test_recorded_request_body(self):
        want = {"input": ["post_1", "post_2"], "model": "text-embedding-ada-002", "encoding_format": "float"}
        post("/v1/embeddings", want, headers={"Authorization": "Bearer sk-secret-value"})
        s = stats()["openai"]
        self.assertEqual(s["last_body"], want)
        self.assertEqual(s["last_path"], "/v1/embeddings")
        self.assertEqual(s["last_headers"]["Authorization"], "Bearer sk-...ue")


# ---------------------------------------------------------------------------
# Vectors
# ---------------------------------------------------------------------------

class VectorTest(Base):
    def vec(self, text, dim=768):
        return openai(text, dimensions=dim).json()["data"][0]["embedding"]

    def test_deterministic_and_same_as_in_process(self):
        a = self.vec("PostgreSQL keeps embeddings in sync")
        b = self.vec("PostgreSQL keeps embeddings in sync")
        self.assertEqual(a, b)
        # the same numbers from this (separate) process: hashlib, not hash()
        keys, values = provider.sparse_embedding("PostgreSQL keeps embeddings in sync", 768)
        expect = [0.0] * 768
        for k, v in zip(keys, values):
            expect[k] = provider.f32(v)
        # JSON numbers have 9 significant digits: the same float32 values
        self.assertEqual([provider.f32(x) for x in a], expect)
        r = post("/_embed", {"input": ["PostgreSQL keeps embeddings in sync"], "dim": 768}).json()
        self.assertEqual(r["embeddings"][0], expect)

    def test_meaning(self):
        cat1 = self.vec("The cat sat on the mat")
        cat2 = self.vec("a cat sat on a mat")
        cats = self.vec("cats sitting on mats")
        market = self.vec("Stock markets crashed after the announcement")
        self.assertGreater(cosine(cat1, cat2), 0.8)
        self.assertGreater(cosine(cat1, cat2), cosine(cat1, market) + 0.5)
        self.assertGreater(cosine(cat1, cats), cosine(cat1, market))
        self.assertAlmostEqual(cosine(self.vec("Hello World"), self.vec("hello, world!")), 1.0, places=6)

    def test_same_vector_across_dialects_and_input_types(self):
        text = "vectorizer worker embeds chunks"
        o = self.vec(text, 768)
        ol = ollama(text, "nomic-embed-text").json()["embeddings"][0]
        self.assertEqual(o, ol)
        q = voyage(text, "voyage-3", input_type="query", encoding_format=None).json()["data"][0]["embedding"]
        d = voyage(text, "voyage-3", input_type="document", encoding_format=None).json()["data"][0]["embedding"]
        n = voyage(text, "voyage-3", input_type=None, encoding_format=None).json()["data"][0]["embedding"]
        self.assertEqual(q, d)
        self.assertEqual(q, n)
        self.assertEqual(q, self.vec(text, 1024))

    def test_empty_and_wordless_texts(self):
        e = ollama(["", "!!! ..."], "all-minilm").json()["embeddings"]
        for v in e:
            self.assertEqual(v[0], 1.0)
            self.assertEqual(sum(abs(x) for x in v), 1.0)
        self.assertEqual(ollama("", "all-minilm").json()["embeddings"], [])

    def test_all_unit_length(self):
        for v in openai(["a", "a a a", "word " * 500, "émigré café naïve", "中文 文本"],
                        dimensions=64).json()["data"]:
            self.assertUnit(v["embedding"])


# ---------------------------------------------------------------------------
# Ollama
# ---------------------------------------------------------------------------

class OllamaTest(Base):
    def test_root_version_tags(self):
        r = call("GET", "/")
        self.assertEqual((r.status, r.raw), (200, b"Ollama is running"))
        self.assertEqual(call("HEAD", "/").status, 200)
        self.assertIn("version", call("GET", "/api/version").json())
        names = [m["name"] for m in call("GET", "/api/tags").json()["models"]]
        self.assertEqual(names, ["nomic-embed-text:latest", "all-minilm:latest", "mxbai-embed-large:latest"])
        m = call("GET", "/api/tags").json()["models"][0]
        self.assertTrue({"name", "model", "modified_at", "size", "digest", "details"} <= set(m))
        r = call("GET", "/api/nothing")
        self.assertEqual((r.status, r.raw), (404, b"404 page not found"))

    def test_embed_shape_and_dims(self):
        for model, dim in (("nomic-embed-text", 768), ("all-minilm", 384), ("mxbai-embed-large", 1024),
                           ("all-minilm:latest", 384)):
            r = ollama(["hello world", "second text"], model, options={"num_ctx": 512}, keep_alive="5m")
            self.assertEqual(r.status, 200, r.raw)
            b = r.json()
            self.assertEqual(set(b), {"model", "embeddings", "total_duration", "load_duration", "prompt_eval_count"})
            self.assertEqual(b["model"], model)
            self.assertEqual(len(b["embeddings"]), 2)
            self.assertEqual([len(v) for v in b["embeddings"]], [dim, dim])
            self.assertEqual(b["prompt_eval_count"], 4)
            self.assertIsInstance(b["total_duration"], int)
            self.assertUnit(b["embeddings"][0])
        self.assertEqual(len(ollama("single string").json()["embeddings"]), 1)

    def test_missing_model_show_pull(self):
        r = ollama(["a"], "my-embedder")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"error": "model \"my-embedder\" not found, try pulling it first"})
        r = post("/api/show", {"model": "my-embedder"})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"error": "model 'my-embedder' not found"})
        r = post("/api/pull", {"model": "my-embedder", "insecure": False, "stream": False})
        self.assertEqual((r.status, r.json()), (200, {"status": "success"}))
        r = post("/api/show", {"model": "my-embedder"})
        self.assertEqual(r.status, 200)
        info = r.json()
        self.assertTrue({"modelfile", "parameters", "template", "details", "model_info"} <= set(info))
        self.assertEqual(info["model_info"]["bert.embedding_length"], 768)
        self.assertEqual(len(ollama(["a"], "my-embedder").json()["embeddings"][0]), 768)
        self.assertIn("my-embedder:latest", [m["name"] for m in call("GET", "/api/tags").json()["models"]])
        # a known model pulled later gets its table dimension
        control({"pulled_models": []})
        self.assertEqual(ollama("a", "all-minilm").status, 404)
        post("/api/pull", {"model": "all-minilm", "stream": False})
        self.assertEqual(len(ollama("a", "all-minilm").json()["embeddings"][0]), 384)

    def test_pull_streaming(self):
        r = post("/api/pull", {"model": "bge-m3"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Content-Type"], "application/x-ndjson")
        lines = [json.loads(x) for x in r.raw.decode().splitlines()]
        self.assertEqual(lines[0], {"status": "pulling manifest"})
        self.assertEqual(lines[-1], {"status": "success"})
        self.assertEqual(len(ollama("a", "bge-m3").json()["embeddings"][0]), 1024)

    def test_pull_fails(self):
        control({"pull_fails": True})
        r = post("/api/pull", {"model": "x", "insecure": False, "stream": False})
        self.assertEqual(r.status, 500)
        self.assertEqual(r.json(), {"error": "pull model manifest: file does not exist"})
        self.assertEqual(post("/api/show", {"model": "x"}).status, 404)
        control({"pull_fails": "registry unreachable", "pull_fail_status": 502})
        r = post("/api/pull", {"model": "x", "stream": False})
        self.assertEqual((r.status, r.json()), (502, {"error": "registry unreachable"}))
        r = post("/api/pull", {"model": "x"})
        self.assertEqual(r.status, 200)
        self.assertEqual(json.loads(r.raw.decode().splitlines()[-1]), {"error": "registry unreachable"})

    def test_truncate(self):
        control({"max_input_tokens": 3})
        b = ollama(["one two three four five"], "all-minilm").json()
        self.assertEqual(b["prompt_eval_count"], 3)
        self.assertEqual(b["embeddings"][0], ollama(["one two three"], "all-minilm").json()["embeddings"][0])
        r = ollama(["one two three four five"], "all-minilm", truncate=False)
        self.assertEqual(r.status, 400)
        self.assertIn("error", r.json())

    def test_errors(self):
        r = ollama([1, 2])
        self.assertEqual((r.status, r.json()), (400, {"error": "invalid input type"}))
        r = post("/api/embed", {"input": "a"})
        self.assertEqual((r.status, r.json()), (400, {"error": "model is required"}))
        control({"poison": "zzz"})
        r = ollama(["ok", "zzz"])
        self.assertEqual(r.status, 400)
        self.assertEqual(set(r.json()), {"error"})
        control({"poison": None, "max_inputs": 2})
        self.assertEqual(ollama(["a", "b", "c"]).status, 400)
        self.assertEqual(ollama(["a", "b"]).status, 200)
        control({"ollama": {"require_api_key": "k"}})
        self.assertEqual(ollama("a").status, 401)

    def test_legacy_embeddings_endpoint(self):
        b = post("/api/embeddings", {"model": "all-minilm", "prompt": "hello"}).json()
        self.assertEqual(set(b), {"embedding"})
        self.assertEqual(len(b["embedding"]), 384)


# ---------------------------------------------------------------------------
# Voyage
# ---------------------------------------------------------------------------

class VoyageTest(Base):
    def test_recorded_request_shape_base64(self):
        body = {"input": ["post_3", "post_4"], "model": "voyage-3-lite", "input_type": "document",
                "truncation": True, "encoding_format": "base64"}
        r = post("/voyage/v1/embeddings", body, headers={"Authorization": "Bearer vk"})
        self.assertEqual(r.status, 200, r.raw)
        b = r.json()
        self.assertEqual(set(b), {"object", "data", "model", "usage"})
        self.assertEqual((b["object"], b["model"], b["usage"]), ("list", "voyage-3-lite", {"total_tokens": 2}))
        for i, item in enumerate(b["data"]):
            self.assertEqual(set(item), {"object", "embedding", "index"})
            self.assertEqual((item["object"], item["index"]), ("embedding", i))
            v = b64floats(item["embedding"])
            self.assertEqual(len(v), 512)
            self.assertUnit(v)
        self.assertEqual(stats()["voyage"]["last_body"], body)

    def test_float_and_dimensions(self):
        for model, dim in (("voyage-3", 1024), ("voyage-3.5", 1024), ("voyage-3-lite", 512)):
            v = voyage("a b", model, encoding_format=None).json()["data"][0]["embedding"]
            self.assertEqual(len(v), dim)
        v = voyage("a b", "voyage-3.5", encoding_format=None, output_dimension=256).json()["data"][0]["embedding"]
        self.assertEqual(len(v), 256)
        r = voyage("a b", "voyage-3.5", output_dimension=300)
        self.assertEqual(r.status, 400)
        self.assertEqual(set(r.json()), {"detail"})
        self.assertEqual(voyage("a b", "voyage-3-lite", output_dimension=256).status, 400)
        self.assertEqual(voyage("a b", "voyage-3-lite", output_dimension=512).status, 200)
        # unknown models: allowed with default_dim by default (switchable)
        control({"default_dim": 96})
        self.assertEqual(len(b64floats(voyage("a", "voyage-future").json()["data"][0]["embedding"])), 96)
        control({"allow_unknown_models": False})
        r = voyage("a", "voyage-future")
        self.assertEqual(r.status, 400)
        self.assertIn("not supported", r.json()["detail"])

    def test_output_dtypes(self):
        for dtype, n, lo, hi in (("int8", 512, -128, 127), ("uint8", 512, 0, 255),
                                 ("binary", 64, -128, 127), ("ubinary", 64, 0, 255)):
            v = voyage("some words here", output_dtype=dtype, encoding_format=None).json()["data"][0]["embedding"]
            self.assertEqual(len(v), n, dtype)
            self.assertTrue(all(isinstance(x, int) and lo <= x <= hi for x in v), dtype)
            s = voyage("some words here", output_dtype=dtype).json()["data"][0]["embedding"]
            raw = base64.b64decode(s)
            self.assertEqual(len(raw), n)
            fmt = "b" if dtype in ("int8", "binary") else "B"
            self.assertEqual(list(struct.unpack("<%d%s" % (n, fmt), raw)), v)
        self.assertEqual(voyage("a", output_dtype="int4").status, 400)

    def test_validation(self):
        r = voyage(["a"] * 129)
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["detail"], "The batch size limit is 128. Your batch size is 129.")
        self.assertEqual(voyage(["a"] * 128).status, 200)
        self.assertEqual(voyage([]).status, 400)
        self.assertEqual(voyage("a", input_type="passage").status, 400)
        self.assertEqual(voyage("a", encoding_format="float").status, 400)
        r = post("/voyage/v1/embeddings", None, raw_body=b"[[[")
        self.assertEqual(r.status, 400)
        self.assertIn("detail", r.json())
        self.assertEqual(call("GET", "/voyage/v1/embeddings").status, 405)
        self.assertEqual(post("/voyage/v1/other", {}).status, 404)

    def test_token_limits(self):
        big = " ".join(["w"] * 1000)
        r = voyage([big] * 121, "voyage-law-2")  # 121,000 > 120,000
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json()["detail"],
                         "Request to model 'voyage-law-2' failed. The max allowed tokens per submitted batch is "
                         "120000. Your batch has 121000 tokens after truncation. Please lower the number of "
                         "tokens in the batch.")
        self.assertEqual(voyage([big] * 120, "voyage-law-2").status, 200)
        self.assertEqual(voyage([big] * 121, "voyage-3").status, 200)  # 320,000
        control({"max_input_tokens": 2})
        r = voyage("one two three", truncation=False)
        self.assertEqual(r.status, 400)
        b = voyage("one two three", truncation=True, encoding_format=None).json()
        self.assertEqual(b["usage"]["total_tokens"], 2)
        self.assertEqual(b["data"][0]["embedding"],
                         voyage("one two", encoding_format=None).json()["data"][0]["embedding"])

    def test_errors(self):
        control({"require_api_key": "vk-right"})
        r = voyage("a", headers={"Authorization": "Bearer vk-wrong"})
        self.assertEqual((r.status, r.json()), (401, {"detail": "Provided API key is invalid."}))
        self.assertEqual(voyage("a").status, 401)
        self.assertEqual(voyage("a", headers={"Authorization": "Bearer vk-right"}).status, 200)
        post("/_reset", {})
        control({"fail_next": 1})
        r = voyage("a")
        self.assertEqual((r.status, r.json()), (500, {"detail": "The server failed to process the request."}))
        control({"fail_next": 1, "fail_status": 503})
        r = voyage("a")
        self.assertEqual((r.status, r.json()), (503, {"detail": "The server is overloaded or not ready yet."}))
        control({"rate_limit_next": 1})
        r = voyage("a")
        self.assertEqual(r.status, 429)
        self.assertIn("detail", r.json())
        control({"poison": "evil"})
        r = voyage(["fine", "evil text"])
        self.assertEqual(r.status, 400)
        self.assertIn("index 1", r.json()["detail"])


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------

class FaultTest(Base):
    def test_fail_next(self):
        control({"fail_next": 2})
        r = openai("a")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.json()["error"]["type"], "server_error")
        self.assertEqual(ollama("a").status, 500)  # every dialect consumes the counter
        self.assertEqual(openai("a").status, 200)
        control({"fail_next": 1, "fail_status": 503})
        r = openai("a")
        self.assertEqual(r.status, 503)
        self.assertEqual(set(r.json()["error"]), {"message", "type", "param", "code"})
        self.assertEqual(ollama("a").status, 200)
        s = stats()
        self.assertEqual(s["openai"]["status"], {"500": 1, "503": 1, "200": 1})
        self.assertEqual(s["ollama"]["status"], {"500": 1, "200": 1})

    def test_rate_limit(self):
        control({"rate_limit_next": 1, "retry_after": 2.5, "should_retry": True})
        r = openai("a")
        self.assertEqual(r.status, 429)
        self.assertEqual(r.headers["retry-after"], "2.5")
        self.assertEqual(r.headers["retry-after-ms"], "2500")
        self.assertEqual(r.headers["x-should-retry"], "true")
        e = r.json()["error"]
        self.assertEqual((e["code"], e["param"]), ("rate_limit_exceeded", None))
        self.assertEqual(openai("a").status, 200)
        control({"rate_limit_next": 1, "retry_after": None})
        r = ollama("a")
        self.assertEqual(r.status, 429)
        self.assertIsNone(r.headers["retry-after"])

    def test_malformed(self):
        control({"malformed_next": 1})
        r = openai(["a", "b"])
        self.assertEqual(r.status, 200)
        with self.assertRaises(ValueError):
            json.loads(r.raw)
        self.assertEqual(len(openai(["a", "b"]).json()["data"]), 2)

    def test_truncated(self):
        control({"truncated_next": 1})
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        conn.request("POST", "/v1/embeddings", json.dumps({"input": ["a"], "model": "text-embedding-3-small"}),
                     {"Content-Type": "application/json"})
        resp = conn.getresponse()
        self.assertEqual(resp.status, 200)
        with self.assertRaises(http.client.IncompleteRead):
            resp.read()
        conn.close()
        self.assertEqual(openai("a").status, 200)

    def test_wrong_count_and_dim(self):
        control({"wrong_count_next": 1})
        self.assertEqual(len(openai(["a", "b", "c"]).json()["data"]), 2)
        self.assertEqual(len(openai(["a", "b", "c"]).json()["data"]), 3)
        control({"wrong_dim_next": 2})
        self.assertEqual(len(openai("a", dimensions=10).json()["data"][0]["embedding"]), 11)
        self.assertEqual(len(b64floats(openai("a", dimensions=10, encoding_format="base64")
                                       .json()["data"][0]["embedding"])), 11)
        self.assertEqual(len(openai("a", dimensions=10).json()["data"][0]["embedding"]), 10)
        control({"wrong_dim_next": 1, "wrong_count_next": 1})
        e = ollama(["a", "b"], "all-minilm").json()["embeddings"]
        self.assertEqual([len(v) for v in e], [385])
        control({"wrong_count_next": 1})
        self.assertEqual(len(voyage(["a", "b"]).json()["data"]), 1)

    def test_timeout_does_not_block_others(self):
        control({"timeout_next": 1, "hang_ms": 3000})
        started = time.monotonic()
        with self.assertRaises((TimeoutError, socket.timeout, urllib.error.URLError)):
            urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:%d/v1/embeddings" % PORT,
                json.dumps({"input": "a", "model": "text-embedding-3-small"}).encode(),
                {"Content-Type": "application/json"}), timeout=0.5)
        self.assertLess(time.monotonic() - started, 2.5)
        self.assertEqual(openai("a").status, 200)  # served while the first one still hangs

    def test_latency(self):
        control({"latency_ms": 300})
        t = time.monotonic()
        self.assertEqual(openai("a").status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)
        control({"latency_ms": 0, "latency_per_input_ms": 10})
        t = time.monotonic()
        self.assertEqual(openai(["a"] * 30).status, 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.3)

    def test_disconnect(self):
        control({"disconnect_next": 1})
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            openai("a")
        self.assertEqual(openai("a").status, 200)
        self.assertEqual(stats()["openai"]["status"], {"closed": 1, "200": 1})

    def test_dialect_restriction_and_sections(self):
        control({"dialect": "voyage", "fail_next": 1})
        self.assertEqual(openai("a").status, 200)
        self.assertEqual(ollama("a").status, 200)
        self.assertEqual(voyage("a").status, 500)
        self.assertEqual(voyage("a").status, 200)
        control({"dialect": ["openai", "ollama"], "fail_next": 2})
        self.assertEqual(voyage("a").status, 200)
        self.assertEqual(ollama("a").status, 500)
        self.assertEqual(openai("a").status, 500)
        self.assertEqual(openai("a").status, 200)
        post("/_reset", {})
        control({"openai": {"rate_limit_next": 1, "require_api_key": "sk-o"},
                 "voyage": {"require_api_key": "vk-v"}})
        self.assertEqual(voyage("a", headers={"Authorization": "Bearer vk-v"}).status, 200)
        r = openai("a", _headers={"Authorization": "Bearer sk-o"})
        self.assertEqual(r.status, 429)
        self.assertEqual(openai("a", _headers={"Authorization": "Bearer sk-o"}).status, 200)
        self.assertEqual(openai("a", _headers={"Authorization": "Bearer vk-v"}).status, 401)
        self.assertEqual(control({})["openai"], {"rate_limit_next": 0, "require_api_key": "sk-o"})

    def test_faults_never_touch_non_embedding_endpoints(self):
        control({"fail_next": 1, "latency_ms": 0})
        self.assertEqual(post("/api/show", {"model": "all-minilm"}).status, 200)
        self.assertEqual(call("GET", "/api/tags").status, 200)
        self.assertEqual(ollama("a").status, 500)


# ---------------------------------------------------------------------------
# Admin API, statistics, HTTP details
# ---------------------------------------------------------------------------

class AdminTest(Base):
    def test_control_validation_and_reset(self):
        r = post("/_control", {"fial_next": 1})
        self.assertEqual(r.status, 400)
        self.assertIn("unknown switch 'fial_next'", r.json()["error"])
        self.assertEqual(post("/_control", {"fail_next": -1}).status, 400)
        self.assertEqual(post("/_control", {"fail_next": "2"}).status, 400)
        self.assertEqual(post("/_control", {"dialect": "cohere"}).status, 400)
        self.assertEqual(post("/_control", {"openai": {"dialect": "openai"}}).status, 400)
        self.assertEqual(post("/_control", [1]).status, 400)
        state = control({"fail_next": 3, "latency_ms": 1})
        self.assertEqual((state["fail_next"], state["latency_ms"]), (3, 1))
        self.assertEqual(call("GET", "/_control").json()["fail_next"], 3)
        state = post("/_reset", {"rate_limit_next": 2}).json()
        self.assertEqual((state["fail_next"], state["rate_limit_next"]), (0, 2))

    def test_stats(self):
        openai(["a", "b", "c"])
        openai(["a"] * 5)
        openai("a", "nope")
        ollama(["x", "y"])
        post("/api/show", {"model": "all-minilm"})
        s = stats()
        o = s["openai"]
        self.assertEqual((o["requests"], o["inputs"], o["embedded"], o["max_inputs"]), (3, 9, 8, 5))
        self.assertEqual(o["status"], {"200": 2, "404": 1})
        self.assertEqual(len(o["body_sizes"]), 3)
        self.assertTrue(all(isinstance(n, int) and n > 0 for n in o["body_sizes"]))
        self.assertEqual([x["inputs"] for x in o["recent"]], [3, 5, 1])
        self.assertEqual(o["endpoints"], {"/v1/embeddings": 3})
        ol = s["ollama"]
        self.assertEqual((ol["requests"], ol["inputs"], ol["embedded"]), (1, 2, 2))
        self.assertEqual(ol["endpoints"], {"/api/embed": 1, "/api/show": 1})
        self.assertEqual(s["voyage"]["requests"], 0)
        self.assertIn("control", s)
        call("GET", "/_stats?reset=1")
        self.assertEqual(stats()["openai"]["requests"], 0)

    def test_embed_endpoint(self):
        r = post("/_embed", {"input": "hello world", "dim": 16}).json()
        self.assertEqual(len(r["embeddings"][0]), 16)
        self.assertEqual(r["tokens"], [2])
        self.assertEqual(post("/_embed", {"input": 3}).status, 400)

    def test_keep_alive(self):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        body = json.dumps({"input": ["a"], "model": "text-embedding-3-small"})
        socks = set()
        for _ in range(3):
            conn.request("POST", "/v1/embeddings", body, {"Content-Type": "application/json"})
            r = conn.getresponse()
            self.assertEqual(r.status, 200)
            r.read()
            socks.add(id(conn.sock))
            self.assertIsNotNone(conn.sock)
        self.assertEqual(len(socks), 1)
        conn.close()

    def test_chunked_request_and_expect_continue(self):
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        body = json.dumps({"input": ["chunked"], "model": "text-embedding-3-small"}).encode()
        conn.request("POST", "/v1/embeddings", iter([body[:10], body[10:]]),
                     {"Content-Type": "application/json"}, encode_chunked=True)
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(len(json.loads(r.read())["data"]), 1)
        conn.close()
        # Expect: 100-continue, as libcurl sends for large bodies
        s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        s.sendall(b"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body))
        first = s.recv(100)
        self.assertTrue(first.startswith(b"HTTP/1.1 100"), first)
        s.sendall(body)
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        self.assertIn(b"HTTP/1.1 200", head)
        s.close()

    def test_concurrent_requests(self):
        results = []

        def work(i):
            results.append(openai(["text %d" % i] * 20).status)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [200] * 16)
        self.assertEqual(stats()["openai"]["requests"], 16)

    def test_large_request_speed(self):
        words = ("postgres vector embedding chunk worker queue table index row column text search "
                 "similarity model provider batch").split()
        texts = [" ".join(words[(i + j) % len(words)] + str(j % 7) for j in range(100)) for i in range(2048)]
        for enc in ("float", "base64"):
            t = time.monotonic()
            r = openai(texts, "text-embedding-3-large", encoding_format=enc)
            elapsed = time.monotonic() - t
            self.assertEqual(r.status, 200)
            b = r.json()
            self.assertEqual(len(b["data"]), 2048)
            last = b["data"][-1]["embedding"]
            self.assertEqual(len(last) if enc == "float" else len(base64.b64decode(last)) // 4, 3072)
            # generous: the target is well under a second, but CI machines are busy
            self.assertLess(elapsed, 10.0, enc)


class ProcessTest(unittest.TestCase):
    """Start/stop behaviour of the script itself, and the shell helper."""

    def test_signals_exit_zero_and_config(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with tempfile.TemporaryDirectory() as tmp:
                proc, port = start_server(tmp, "--config", json.dumps({"latency_ms": 1, "default_dim": 8}))
                try:
                    self.assertEqual(call("GET", "/_control", port=port).json()["default_dim"], 8)
                    post("/_control", {"default_dim": 9}, port=port)
                    # /_reset returns to the --config switches
                    self.assertEqual(post("/_reset", {}, port=port).json()["default_dim"], 8)
                    self.assertEqual(call("GET", "/", port=port).status, 200)
                finally:
                    rc = stop_server(proc, sig)
                self.assertEqual(rc, 0, sig)
                with open(os.path.join(tmp, "server.log")) as f:
                    self.assertIn("GET / dialect=ollama", f.read())

    def test_bad_config_is_rejected(self):
        r = subprocess.run([sys.executable, SERVER, "--config", '{"nope": 1}'], capture_output=True, text=True,
                           timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("unknown switch", r.stderr)

    def test_shell_helper(self):
        script = r"""
set -euo pipefail
. tests/lib/provider.sh
trap provider_stop EXIT
provider_start
echo "url=$PROVIDER_URL"
echo "openai=$OPENAI_BASE_URL"
echo "ollama=$OLLAMA_HOST"
echo "voyage=$VOYAGE_BASE_URL"
kill -0 "$PROVIDER_PID"
provider_control '{"fail_next": 1}' >/dev/null
python3 - <<'EOF'
import os, json, urllib.request, urllib.error
req = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/embeddings",
    json.dumps({"input": ["a"], "model": "text-embedding-3-small"}).encode(), {"Content-Type": "application/json"})
try:
    urllib.request.urlopen(req)
except urllib.error.HTTPError as e:
    print("first", e.code)
print("second", urllib.request.urlopen(req).status)
EOF
echo "requests=$(provider_stats openai.requests)"
echo "s500=$(provider_stats openai.status.500)"
echo "s404=$(provider_stats openai.status.404)"
echo "path=$(provider_stats openai.last_path)"
provider_reset '{"default_dim": 5}'
echo "after_reset=$(provider_stats openai.requests)"
echo "dim=$(provider_stats control.default_dim)"
if provider_control '{"bogus": 1}' 2>/dev/null; then echo bad-accepted; fi
pid=$PROVIDER_PID
provider_stop
if kill -0 "$pid" 2>/dev/null; then echo still-running; else echo stopped; fi
provider_stop
"""
        r = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
        port = out["url"].rsplit(":", 1)[1]
        self.assertEqual(out["openai"], "http://127.0.0.1:%s/v1" % port)
        self.assertEqual(out["ollama"], "http://127.0.0.1:%s" % port)
        self.assertEqual(out["voyage"], "http://127.0.0.1:%s/voyage/v1" % port)
        self.assertIn("first 500", r.stdout)
        self.assertIn("second 200", r.stdout)
        self.assertEqual((out["requests"], out["s500"], out["s404"]), ("2", "1", "0"))
        self.assertEqual(out["path"], "/v1/embeddings")
        self.assertEqual((out["after_reset"], out["dim"]), ("0", "5"))
        self.assertNotIn("bad-accepted", r.stdout)
        self.assertIn("stopped", r.stdout)


if __name__ == "__main__":
    unittest.main()
