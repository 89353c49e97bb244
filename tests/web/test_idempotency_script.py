"""static/motiva/requests.js, run by Node.js with a stand-in document: HTMX requests carry a retry key
that stays the same for the same values (a double click) and changes with them, and a 409 answer is
swapped in place like a success."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "motiva" / "requests.js"

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the page script")

PROGRAM = """
const listeners = {};
global.document = { addEventListener: (name, fn) => { listeners[name] = fn; } };
global.window = { crypto: require("crypto").webcrypto };
require(%(script)s);
const element = {};
function send(values, verb) {
  const event = { detail: { verb: verb || "post", path: "/x/", elt: element, parameters: values, headers: {} } };
  listeners["htmx:configRequest"](event);
  return event.detail.headers["Idempotency-Key"] || null;
}
const first = send({ a: "1", idempotency_key: "form" });
const again = send({ a: "1", idempotency_key: "form" });
const other = send({ a: "2", idempotency_key: "form" });
const read = send({ a: "2" }, "get");
const swap = (status) => {
  const event = { detail: { xhr: { status }, shouldSwap: false, isError: true } };
  listeners["htmx:beforeSwap"](event);
  return [event.detail.shouldSwap, event.detail.isError];
};
console.log(JSON.stringify({ first, again, other, read, conflict: swap(409), failure: swap(500) }));
"""


def run() -> dict:
    program = PROGRAM % {"script": json.dumps(str(SCRIPT))}
    out = subprocess.run([shutil.which("node"), "-e", program], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_a_double_click_sends_one_key_and_other_values_another():
    result = run()
    assert result["first"] and len(result["first"]) >= 8
    assert result["again"] == result["first"]
    assert result["other"] != result["first"]
    assert result["read"] is None  # a GET needs no key


def test_a_409_is_swapped_in_place_and_a_500_is_not():
    result = run()
    assert result["conflict"] == [True, False]
    assert result["failure"] == [False, True]
