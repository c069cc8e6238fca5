#!/usr/bin/env python3
"""An independent implementation of the MPSD "write session by handle" contract
(the project's CONTRACT.md), standard library only.

It deliberately makes the *other* allowed choices wherever the contract leaves
one open (statuses inside a rule's set, ETag format, index numbering, absolute
Content-Location; a BOM before the body, numbers beyond double range, lone
surrogates and any nesting depth accepted: see "JSON codec"; ...), so that a
conformance suite can be checked for not over-fitting the reference server.

Usage: python3 server.py --port N [--choices first|second] [--choice NAME=first|second ...]
       (N = 0 picks a free port)

Choices (--choices)
-------------------
Where the contract allows a set of answers and a program of writes, reads and handle
operations can tell them apart, the server has two answers: `first` (the default, what it
has always done) and `second` (--choices second). --choice NAME=first|second sets one
alone (after --choices), e.g. to explore everything second but one. Both answers of each
are allowed by CONTRACT.md; none of them is one the contract or its section 8 pins.

  name                 first                              second
  full-status          a join or reservation beyond       400 (B12 allows 400, 403, 409;
                       maxMembersCount: 409               the reference answers 403)
  delete-handle        DELETE /handles/{id}: 200; a       204; a second DELETE of a handle
                       second DELETE of it: 404           once deleted: 204 again (kept as a
                                                          tombstone; an id never made: 404)
                                                          (section 8.4: any 2xx; 8.8 names
                                                          the reference's 404 as its own answer
                                                          to a form the contract leaves open)
  reserved-leave       "me": null from a caller who is    it changes nothing: the reservation
                       only reserved withdraws its        stays until the host withdraws it
                       reservation                        (B4.a: "from a caller who is not a
                                                          member it changes nothing")
  reserved-join-index  a reserved member who joins gets   it keeps its reserved index (as
                       a fresh index                      the reference does, section 8.8)
  member-index         indexes 1, 3, 5, ... never reused; the lowest index no member holds,
                       membersInfo.next: the next one     from 0 (a leaver's index is given
                                                          again); membersInfo.next: that index
  first-when-empty     membersInfo.first absent when      present, equal to membersInfo.next
                       there are no members               (SH2: "absent or any value")
  member-order         members rendered by ascending      by descending index (JSON object
                       index                              order means nothing)
  change-number        100 at creation, +10 per change    1 at creation, +1 per change
  etag                 "v<changeNumber>-<random>"         "<hash of branch, changeNumber and
                                                          content>" (opaque either way)
  content-location     absolute URL, upper-case SCID,     the path alone, lower case
                       /serviceConfigs/.../sessionTemplates/...   /serviceconfigs/.../sessiontemplates/...
  handle-status        POST /handles: 200                 201 (section 8.4: any 2xx)
  handle-id-case       handle ids in lower case           in upper case (G2: the same handle)
  precedence           preconditions (412) are judged     the body's refusals (400 B5, 403,
                       before the body's permission and   409 B9, B12's refusal) come before
                       conflicts (403, 409, B12)          the preconditions (section 5:
                                                          "a request with several faults may
                                                          only be required to get one of
                                                          their statuses")
  reserve-member       a reservation for a xuid already   refused with 409 ("already in the
                       in the session (joined or          session"): B6 makes it a [may] form
                       reserved) changes nothing
"""
import argparse
import copy
import hashlib
import json as stdjson
import math
import re
import secrets
import sys
import threading
import traceback
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from json.decoder import scanstring
from urllib.parse import parse_qs, quote, unquote

# --------------------------------------------------------------------------
# The world (contract section 7)
# --------------------------------------------------------------------------
SCID = "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40"
TEMPLATES = {
    "lobby": {"name": "lobby", "maxMembersCount": 8, "visibility": "open", "sessionEmptyTimeout": 0},
    "persistent": {"name": "persistent", "maxMembersCount": 4, "visibility": "open",
                   "sessionEmptyTimeout": 3600000},
    "solo": {"name": "solo", "maxMembersCount": 1, "visibility": "open", "sessionEmptyTimeout": 0},
}
TITLE_ID = "1829345619"
CONTRACT_RENDERED = 107
MAX_BODY = 1 << 20          # 1 MiB: larger bodies are refused (400)
HARD_CAP = 64 << 20         # beyond this we do not even drain the body; we close
MAX_HANDLE_ID_LEN = 1024    # longer handle-id segment -> 414
BODY_READ_TIMEOUT = 30      # seconds a sender may stall while sending a body

JSON_CT = "application/json; charset=utf-8"
TEXT_CT = "text/plain; charset=us-ascii"

GUID_RE = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\Z")
INT_RE = re.compile(r"\+?[0-9]+\Z")
DIGITS_RE = re.compile(r"[0-9]+\Z")
RESERVE_RE = re.compile(r"reserve_(0|[1-9][0-9]*)\Z")
# chunk-size [ BWS ; chunk-ext ] CRLF (a bare LF is tolerated); at most 16 hex digits
CHUNK_LINE_RE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n\Z")

LOCK = threading.RLock()     # every store access (and so every write) is atomic
SESSIONS = {}                # (template_lower, name_lower) -> session record
HANDLES = {}                 # handle id (lower) -> handle record

MISSING = object()

CHOICE_NAMES = ("full-status", "delete-handle", "reserved-leave", "reserved-join-index",
                "member-index", "first-when-empty", "member-order", "change-number", "etag",
                "content-location", "handle-status", "handle-id-case", "precedence",
                "reserve-member")
CHOICES = set()              # the choices (see the docstring) that take their second answer
DELETED_HANDLES = set()      # ids of deleted handles, kept when delete-handle is second


def second(name):
    return name in CHOICES


class HttpErr(Exception):
    def __init__(self, status, msg="", body=None, ctype=None, headers=None):
        super().__init__(msg)
        self.status = status
        if body is None:
            body = msg.encode("ascii", "replace") if msg else b""
            if ctype is None and body:
                ctype = TEXT_CT
        self.body = body
        self.ctype = ctype
        self.headers = headers or []


def now_iso(delta=None):
    t = datetime.now(timezone.utc)
    if delta:
        t = t + delta
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def new_etag(change_number):
    return '"v%d-%s"' % (change_number, secrets.token_hex(6))


def etag_tokens(header_value):
    """Split an If-Match / If-None-Match list into normalised opaque tags.
    Weak tags compare weakly (W/"x" == "x"); surrounding quotes are ignored."""
    out = []
    for m in re.finditer(r'\s*(?:(W/)?("[^"]*"|[^,\s]+))\s*(?:,|$)', header_value):
        tag = m.group(2)
        if tag == "*" and not m.group(1):
            out.append("*")
            continue
        if len(tag) >= 2 and tag[0] == '"' and tag[-1] == '"':
            tag = tag[1:-1]
        out.append(tag)
    return out


def etag_core(etag):
    return etag[1:-1] if len(etag) >= 2 and etag[0] == '"' and etag[-1] == '"' else etag


# --------------------------------------------------------------------------
# JSON codec
#
# `json` in this module is the codec below, not the standard library module
# (that one is `stdjson`). It makes these choices, where the contract leaves
# them open (the reference server, serde_json, refuses all four with 400):
#   - a UTF-8 byte order mark before the body is ignored (RFC 8259 section 8.1
#     lets a parser do so); a second one is malformed;
#   - a number outside the range of a double (1e400, -1e400) is accepted and
#     kept exactly, by value, as a decimal: it reads back as 1E+400, never as
#     Infinity. (Underflow, 1e-400, is read as the double 0.0, as usual.)
#     Integers too long for int() (over 4,300 digits) are kept the same way.
#     Only an exponent beyond what a decimal holds (1e99999999999999999999)
#     is refused, with 400;
#   - a lone surrogate escape ("\ud800") is accepted, stored, and written back
#     as the same escape (output is always ASCII, so it never has to be
#     encoded as UTF-8). Session names are the exception: POST /handles
#     refuses one in sessionRef.name (400), as it could not go into a URL;
#   - any nesting depth is accepted (up to the 1 MiB body limit): arrays and
#     objects nested more than DEEP levels down are parsed without recursion
#     and kept as opaque `Deep` values holding their compact JSON text, so
#     nothing else (copying, comparing, rendering) ever recurses into them.
# NaN, Infinity, -Infinity and every other non-JSON form are malformed (400),
# and the encoder refuses a non-finite float rather than writing one.
# --------------------------------------------------------------------------
DEEP = 64                   # containers nested deeper than this become Deep values
_WS_RE = re.compile(r"[ \t\n\r]*")
_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _number_from_text(text):
    """A JSON number: int, a finite float, or a Decimal when no double holds it."""
    if not any(c in text for c in ".eE"):
        try:
            return int(text)
        except ValueError:      # longer than int() accepts from text
            return Decimal(text)
    f = float(text)
    if math.isinf(f):
        return Decimal(text)
    return f


def _refuse_constant(name):
    raise ValueError("%s is not JSON" % name)


def _number_key(v):
    """Canonical text of a number's value: 1 == 1.0 == 1e0, -0 == 0."""
    d = Decimal(v)               # exact, for floats too
    if not d:
        return "0"
    sign, digits, exp = d.as_tuple()
    digits = list(digits)
    while digits and digits[-1] == 0:
        digits.pop()
        exp += 1
    return "%s%se%d" % ("-" if sign else "", "".join(map(str, digits)), exp)


def _scalar_text(v, canonical):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return stdjson.dumps(v)                     # ASCII, \uXXXX escapes
    if isinstance(v, float):
        if math.isinf(v) or math.isnan(v):
            raise ValueError("a non-finite number cannot be written as JSON")
        return _number_key(v) if canonical else float.__repr__(v)
    if isinstance(v, int):
        return _number_key(v) if canonical else int.__repr__(v)
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise ValueError("a non-finite number cannot be written as JSON")
        return _number_key(v) if canonical else str(v)
    if isinstance(v, Deep):
        return v.key if canonical else v.text
    raise TypeError("cannot write %s as JSON" % type(v).__name__)


def _key_text(k):
    return stdjson.dumps(k if isinstance(k, str) else str(k))


def _encode_iterative(value, canonical):
    """Compact JSON text of value, without recursion (any depth). canonical: object
    keys sorted and numbers by value, for comparisons."""
    out = []
    todo = [value]
    while todo:
        x = todo.pop()
        if type(x) is tuple:        # literal text queued below
            out.append(x[0])
        elif isinstance(x, dict):
            items = sorted(x.items()) if canonical else list(x.items())
            if not items:
                out.append("{}")
                continue
            todo.append(("}",))
            for j in range(len(items) - 1, -1, -1):
                todo.append(items[j][1])
                todo.append(((("," if j else "{") + _key_text(items[j][0]) + ":"),))
        elif isinstance(x, list):
            if not x:
                out.append("[]")
                continue
            todo.append(("]",))
            for j in range(len(x) - 1, -1, -1):
                todo.append(x[j])
                todo.append(("," if j else "[",))
        else:
            out.append(_scalar_text(x, canonical))
    return "".join(out)


class Deep:
    """An array or object nested more than DEEP levels down in a request body, kept as
    its compact JSON text. Immutable: copies are the same object; equal by value."""
    __slots__ = ("text", "key")

    def __init__(self, value):
        self.text = _encode_iterative(value, False)
        self.key = _encode_iterative(value, True)

    def __eq__(self, other):
        return isinstance(other, Deep) and self.key == other.key

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.key)

    @classmethod
    def of_text(cls, text):
        """The Deep whose compact text is text and also its canonical key (no object, no
        number: nothing to sort or to read by value)."""
        deep = cls.__new__(cls)
        deep.text = deep.key = text
        return deep

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __repr__(self):
        return "Deep(%s)" % (self.text[:40] + ("..." if len(self.text) > 40 else ""))


def _nested_deeper_than(v, limit):
    todo = [(v, 1)]
    while todo:
        x, d = todo.pop()
        if isinstance(x, dict):
            x = x.values()
        elif not isinstance(x, list):
            continue
        if d > limit:
            return True
        todo.extend((y, d + 1) for y in x if isinstance(y, (dict, list)))
    return False


_OPEN_RUN_RE = re.compile(r"\[(?:[ \t\n\r]*\[)*")


def _empty_arrays_nested(text, i):
    """(Deep, end) when text[i:] opens arrays that close around nothing (`[[[]]]`, whitespace
    allowed), else None. The generated bodies nest arrays 100,000 deep: matched here by the
    regular-expression engine instead of one step of the parser's loop per bracket, which took
    0.3 s a body and most of the time the server held the interpreter lock."""
    opened = _OPEN_RUN_RE.match(text, i)
    k = opened.group(0).count("[")
    closed = re.compile(r"(?:[ \t\n\r]*\])" + "{%d}" % k).match(text, opened.end())
    if not closed:
        return None
    return Deep.of_text("[" * k + "]" * k), closed.end()


def _parse_iterative(text):
    """A strict RFC 8259 parser without recursion; containers at depth > DEEP become Deep.
    Accepts exactly what stdjson.loads(strict) with _refuse_constant accepts."""
    n = len(text)

    def skip(i):
        return _WS_RE.match(text, i).end()

    def fail(i, what):
        raise ValueError("%s at offset %d" % (what, i))

    def key_at(i):
        if i >= n or text[i] != '"':
            fail(i, "expected a string key")
        k, i = scanstring(text, i + 1, True)
        i = skip(i)
        if i >= n or text[i] != ":":
            fail(i, "expected ':'")
        return k, skip(i + 1)

    conts, keys = [], []        # open containers, and each one's pending key
    i = skip(0)
    while True:
        # a value starts at i
        if i >= n:
            fail(i, "expected a value")
        c = text[i]
        # A container opened DEEP levels down becomes one Deep value, whatever it holds.
        nested = _empty_arrays_nested(text, i) if c == "[" and len(conts) == DEEP else None
        if nested:
            value, i = nested
        elif c == "{" or c == "[":
            i = skip(i + 1)
            if i < n and text[i] == ("}" if c == "{" else "]"):
                value, i = ({} if c == "{" else []), i + 1
                if len(conts) == DEEP:
                    value = Deep(value)
            elif c == "{":
                k, i = key_at(i)
                conts.append({})
                keys.append(k)
                continue
            else:
                conts.append([])
                keys.append(None)
                continue
        elif c == '"':
            value, i = scanstring(text, i + 1, True)
        elif text.startswith("true", i):
            value, i = True, i + 4
        elif text.startswith("false", i):
            value, i = False, i + 5
        elif text.startswith("null", i):
            value, i = None, i + 4
        else:
            m = _NUMBER_RE.match(text, i)
            if not m:
                fail(i, "expected a value")
            value, i = _number_from_text(m.group(0)), m.end()
        # the value is complete: put it in its container, closing containers as they end
        while True:
            i = skip(i)
            if not conts:
                if i != n:
                    fail(i, "extra data")
                return value
            cont = conts[-1]
            if isinstance(cont, list):
                cont.append(value)
                close = "]"
            else:
                cont[keys[-1]] = value
                close = "}"
            if i < n and text[i] == ",":
                i = skip(i + 1)
                if close == "}":
                    keys[-1], i = key_at(i)
                break           # the next value
            if i < n and text[i] == close:
                i += 1
                conts.pop()
                keys.pop()
                value = cont
                if len(conts) == DEEP:      # the outermost container deeper than DEEP
                    value = Deep(value)
                continue
            fail(i, "expected ',' or '%s'" % close)


class json:  # noqa: N801 -- stands in for the stdlib module in this file (see above)
    @staticmethod
    def loads(text, parse_constant=None):
        """Strict RFC 8259. The standard parser does the work; a body nested deeper than DEEP
        (or too deep for its recursion) is parsed again without recursion."""
        if text.startswith("\ufeff"):   # one byte order mark is ignored (RFC 8259 section 8.1)
            text = text[1:]
        try:
            v = stdjson.loads(text, parse_int=_number_from_text, parse_float=_number_from_text,
                              parse_constant=parse_constant or _refuse_constant)
        except RecursionError:
            return _parse_iterative(text)
        if _nested_deeper_than(v, DEEP):
            return _parse_iterative(text)
        return v

    @staticmethod
    def dumps(value, sort_keys=False, ensure_ascii=True):
        """JSON text (the standard library's separators), always ASCII; never NaN or Infinity."""
        out = []
        _encode_shallow(value, sort_keys, out)
        return "".join(out)


def _encode_shallow(v, sort_keys, out):
    # Recursive: what it walks is never deeper than DEEP plus the session document's own levels.
    if isinstance(v, dict):
        items = sorted(v.items()) if sort_keys else v.items()
        out.append("{")
        first = True
        for k, x in items:
            if not first:
                out.append(", ")
            first = False
            out.append(_key_text(k))
            out.append(": ")
            _encode_shallow(x, sort_keys, out)
        out.append("}")
    elif isinstance(v, (list, tuple)):
        out.append("[")
        for j, x in enumerate(v):
            if j:
                out.append(", ")
            _encode_shallow(x, sort_keys, out)
        out.append("]")
    elif isinstance(v, Deep):
        out.append(v.key if sort_keys else v.text)
    else:
        out.append(_scalar_text(v, False))


# --------------------------------------------------------------------------
# Sessions
# --------------------------------------------------------------------------
def template_constants(tpl):
    return {
        "system": {
            "maxMembersCount": tpl["maxMembersCount"],
            "visibility": tpl["visibility"],
            "timeouts": {"sessionEmptyTimeout": tpl["sessionEmptyTimeout"]},
        },
        "custom": {},
    }


def new_session_record(tpl, display_name):
    return {
        "template": tpl["name"],
        "name": display_name,
        "branch": str(uuid.uuid4()),
        "changeNumber": 100,
        "correlationId": str(uuid.uuid4()),
        "startTime": now_iso(),
        "etag": None,
        "constants": template_constants(tpl),
        "properties": {"system": {}, "custom": {}},
        "members": {},           # int index -> member record
        "next": 1,               # indexes start at 1 and go up by 2
        "servers": {},
    }


def content_of(s):
    # Serialised so that 1 / 1.0 / true are told apart.
    return json.dumps([s["constants"], s["properties"], s["members"], s["next"], s["servers"]],
                      sort_keys=True)


def render_session(s):
    idxs = sorted(s["members"])
    members = {}
    accepted = 0
    for i, idx in enumerate(idxs):
        m = s["members"][idx]
        nxt = idxs[i + 1] if i + 1 < len(idxs) else s["next"]
        sysc = dict(m["constants"]["system"])
        sysc["xuid"] = m["xuid"]
        sysc["index"] = idx
        doc = {
            "next": nxt,
            "constants": {"system": sysc, "custom": copy.deepcopy(m["constants"]["custom"])},
            "properties": copy.deepcopy(m["properties"]),
            "alt": True,
        }
        if m["reserved"]:
            doc["reserved"] = True
        else:
            accepted += 1
            doc["joinTime"] = m["joinTime"]
        members[str(idx)] = doc
    info = {"next": s["next"], "count": len(idxs), "accepted": accepted}
    if idxs:
        info["first"] = idxs[0]
    elif second("first-when-empty"):
        info["first"] = s["next"]
    if second("member-order"):
        members = {k: members[k] for k in reversed(list(members))}
    return {
        "alt": True,
        "contractVersion": CONTRACT_RENDERED,
        "branch": s["branch"],
        "changeNumber": s["changeNumber"],
        "correlationId": s["correlationId"],
        "startTime": s["startTime"],
        "nextTimer": None,
        "constants": copy.deepcopy(s["constants"]),
        "properties": copy.deepcopy(s["properties"]),
        "members": members,
        "membersInfo": info,
        "servers": copy.deepcopy(s["servers"]),
    }


def merge_constants(dst, src):
    """Deep-merge src into dst, adding new keys. Returns True on a conflicting value."""
    conflict = False
    for k, v in src.items():
        if k not in dst:
            dst[k] = copy.deepcopy(v)
        elif isinstance(dst[k], dict) and isinstance(v, dict):
            conflict = merge_constants(dst[k], v) or conflict
        elif dst[k] != v or isinstance(dst[k], bool) != isinstance(v, bool):
            conflict = True
    return conflict


def merge_props(dst, src):
    """First-level merge of a property bag: a key's value is replaced, null removes it."""
    for k, v in src.items():
        if v is None:
            dst.pop(k, None)
        else:
            dst[k] = copy.deepcopy(v)


def utf8_encodable(text):
    try:
        text.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def bad(msg):
    return HttpErr(400, msg)


def check_bag(obj, where):
    """obj must be an object; its `system` and `custom`, when present, objects too."""
    if not isinstance(obj, dict):
        raise bad("%s must be a JSON object" % where)
    for part in ("system", "custom"):
        if part in obj and not isinstance(obj[part], dict):
            raise bad("%s.%s must be a JSON object" % (where, part))


def check_member_obj(m, where):
    if not isinstance(m, dict):
        raise bad("%s must be a JSON object" % where)
    if "constants" in m:
        check_bag(m["constants"], where + ".constants")
    if "properties" in m:
        check_bag(m["properties"], where + ".properties")
        ps = m["properties"].get("system", {})
        for flag in ("ready", "active"):
            if flag in ps and ps[flag] is not None and not isinstance(ps[flag], bool):
                raise bad("%s.properties.system.%s must be a boolean" % (where, flag))


class WriteRequest:
    def __init__(self):
        self.constants = None
        self.properties = None
        self.servers = None
        self.me = MISSING
        self.index_keys = []
        self.reserves = []


def validate_write_body(b):
    """Syntax and shape checks (400). Permission checks come later."""
    if not isinstance(b, dict):
        raise bad("the request body must be a JSON object")
    for k in b:
        if k not in ("constants", "properties", "members", "servers"):
            raise bad("unexpected top-level member '%s'" % k)
    req = WriteRequest()
    if "constants" in b:
        check_bag(b["constants"], "constants")
        req.constants = b["constants"]
    if "properties" in b:
        check_bag(b["properties"], "properties")
        req.properties = b["properties"]
    if "servers" in b:
        if not isinstance(b["servers"], dict):
            raise bad("servers must be a JSON object")
        req.servers = b["servers"]
    if "members" in b:
        mem = b["members"]
        if not isinstance(mem, dict):
            raise bad("members must be a JSON object")
        reserves = {}
        for k, v in mem.items():
            if k == "me":
                if v is not None:
                    check_member_obj(v, "members.me")
                req.me = v
            elif DIGITS_RE.match(k):
                req.index_keys.append(k)
            elif k.startswith("reserve_"):
                m = RESERVE_RE.match(k)
                if not m:
                    raise bad("reservation key '%s' is not reserve_<n>" % k)
                check_member_obj(v, "members." + k)
                xuid = v.get("constants", {}).get("system", {}).get("xuid", MISSING)
                if not isinstance(xuid, str) or not xuid:
                    raise bad("members.%s must name constants.system.xuid as a string" % k)
                reserves[int(m.group(1))] = v
            else:
                raise bad("unexpected member key '%s'" % k)
        if sorted(reserves) != list(range(len(reserves))):
            raise bad("reservations must be numbered reserve_0, reserve_1, ... in each request")
        req.reserves = [reserves[i] for i in range(len(reserves))]
    return req


def session_full(maxm):
    return HttpErr(400 if second("full-status") else 409,
                   "the session is full (maxMembersCount %d)" % maxm)


def allocate_index(s, keep=None):
    """A new member's index: `keep` (a reserved member who joins, when reserved-join-index is
    second), the lowest free one (member-index second), else the next of 1, 3, 5, ..."""
    if keep is not None:
        return keep
    if second("member-index"):
        return lowest_free_index(s["members"])
    idx = s["next"]
    s["next"] += 2
    return idx


def lowest_free_index(members):
    i = 0
    while i in members:
        i += 1
    return i


def apply_write(cur, req, caller, tpl, display_name):
    """Returns (status, new_record_or_None). Raises HttpErr for 400/403/409."""
    creating = cur is None
    s = new_session_record(tpl, display_name) if creating else copy.deepcopy(cur)

    # permission (403)
    if req.index_keys:
        raise HttpErr(403, "a user may not write a member by its index (%s)" % req.index_keys[0])
    if req.servers:
        raise HttpErr(403, "only a server principal may write servers")
    if isinstance(req.me, dict):
        x = req.me.get("constants", {}).get("system", {}).get("xuid", MISSING)
        if x is not MISSING and (not isinstance(x, str) or x != caller):
            raise HttpErr(403, "members.me.constants.system.xuid is not the caller's xuid")

    # constants (409)
    if req.constants is not None:
        body_c = {k: v for k, v in req.constants.items() if k in ("system", "custom")}
        merged = copy.deepcopy(s["constants"])
        conflict = merge_constants(merged, body_c)
        if conflict or (not creating and merged != s["constants"]):
            raise HttpErr(409, "session constants conflict: they are set only when the session is created")
        s["constants"] = merged

    # properties
    if req.properties is not None:
        for part in ("system", "custom"):
            if part in req.properties:
                merge_props(s["properties"][part], req.properties[part])

    # members
    members = s["members"]
    maxm = tpl["maxMembersCount"]

    def find(xuid):
        for idx, m in members.items():
            if m["xuid"] == xuid:
                return idx
        return None

    touched = []
    if req.me is None and second("reserved-leave") and any(
            m["xuid"] == caller and m["reserved"] for m in members.values()):
        pass  # a reserved caller's own leave leaves its reservation in place
    elif req.me is None:
        idx = find(caller)
        if idx is not None:
            del members[idx]
    elif req.me is not MISSING:
        me = req.me
        idx = find(caller)
        if idx is not None and not members[idx]["reserved"]:
            for part in ("system", "custom"):
                if part in me.get("properties", {}):
                    merge_props(members[idx]["properties"][part], me["properties"][part])
            touched.append(idx)
        else:
            base = {"system": {}, "custom": {}}
            kept = None
            if idx is not None:
                # a reserved member joins: it gets a fresh index (first), or keeps its own (second)
                base = members.pop(idx)["constants"]
                if second("reserved-join-index"):
                    kept = idx
            elif len(members) + 1 > maxm:
                raise session_full(maxm)
            c = me.get("constants", {})
            sysc = dict(base["system"])
            sysc.update({k: v for k, v in c.get("system", {}).items() if k not in ("xuid", "index")})
            cust = dict(base["custom"])
            cust.update(c.get("custom", {}))
            props = {"system": {}, "custom": {}}
            for part in ("system", "custom"):
                merge_props(props[part], me.get("properties", {}).get(part, {}))
            new_idx = allocate_index(s, kept)
            members[new_idx] = {
                "xuid": caller,
                "constants": {"system": copy.deepcopy(sysc), "custom": copy.deepcopy(cust)},
                "properties": props,
                "reserved": False,
                "joinTime": now_iso(),
            }
            touched.append(new_idx)
    for r in req.reserves:
        xuid = r["constants"]["system"]["xuid"]
        if find(xuid) is not None:
            if second("reserve-member"):
                raise HttpErr(409, "%s is already in the session" % xuid)
            continue  # already a member or already reserved: nothing to do
        if len(members) + 1 > maxm:
            raise session_full(maxm)
        c = r.get("constants", {})
        props = {"system": {}, "custom": {}}
        for part in ("system", "custom"):
            merge_props(props[part], r.get("properties", {}).get(part, {}))
        new_idx = allocate_index(s)
        members[new_idx] = {
            "xuid": xuid,
            "constants": {
                "system": {k: copy.deepcopy(v) for k, v in c.get("system", {}).items() if k not in ("xuid", "index")},
                "custom": copy.deepcopy(c.get("custom", {})),
            },
            "properties": props,
            "reserved": True,
            "joinTime": None,
        }
        touched.append(new_idx)

    if second("member-index"):
        s["next"] = lowest_free_index(members)   # the index the next member gets
    for idx in touched:
        ps = members[idx]["properties"]["system"]
        if ps.get("ready") is True and ps.get("active") is True:
            raise bad("a member cannot be both ready and active")

    if not members and tpl["sessionEmptyTimeout"] == 0:
        return 204, None
    if creating:
        s["changeNumber"] = 100
        s["etag"] = new_etag(100)
        return 201, restamp(s, None)
    if content_of(s) == content_of(cur):
        return 200, cur          # nothing changed: same ETag, same changeNumber
    s["changeNumber"] = cur["changeNumber"] + 10
    s["etag"] = new_etag(s["changeNumber"])
    return 200, restamp(s, cur)


def restamp(s, cur):
    """The second answers of change-number and etag, over the first ones just made."""
    if second("change-number"):
        s["changeNumber"] = 1 if cur is None else cur["changeNumber"] + 1
    if second("etag"):
        h = hashlib.sha256(("%s|%d|" % (s["branch"], s["changeNumber"]) + content_of(s)).encode("ascii"))
        s["etag"] = '"%s"' % h.hexdigest()[:24]
    return s


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AltMPSD/1.0"
    # An answer goes out in two writes (head, then body): with Nagle's algorithm the body waits
    # for the client's delayed ACK of the head, about 40 ms an answer.
    disable_nagle_algorithm = True
    sys_version = ""

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):  # quiet
        pass

    def send_error(self, code, message=None, explain=None):
        # Errors raised by the stdlib's own request parsing: never answer 5xx.
        if code >= 500:
            code, message = 400, "Bad request"
        super().send_error(code, message, explain)

    def parse_request(self):
        # The stdlib answers `Expect: 100-continue` only when the value is exactly that:
        # optional whitespace around a field value is not part of it (RFC 9110 section 5.5).
        if not super().parse_request():
            return False
        expect = self.headers.get("Expect", "")
        if (expect.lower() != "100-continue" and expect.strip().lower() == "100-continue"
                and self.request_version >= "HTTP/1.1"):
            return self.handle_expect_100()
        return True

    def handle_one_request(self):
        # Same as the stdlib one, but every method goes through dispatch()
        # (no 501 for unknown verbs).
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = ""
                self.request_version = ""
                self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self.dispatch()
            self.wfile.flush()
        except (TimeoutError, ConnectionError, BrokenPipeError):
            self.close_connection = True

    # ---- plumbing -------------------------------------------------------
    def respond(self, status, body=b"", ctype=None, headers=()):
        self.send_response(status)
        self.send_header("X-Alt-Server", "1")
        for k, v in headers:
            self.send_header(k, v)
        no_body = status in (204, 304) or 100 <= status < 200
        if no_body:
            body = b""
        else:
            if ctype and body:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def respond_text(self, status, msg, headers=()):
        self.respond(status, msg.encode("ascii", "replace"), TEXT_CT, headers)

    def respond_json(self, status, doc, headers=()):
        self.respond(status, json.dumps(doc, ensure_ascii=True).encode("utf-8"), JSON_CT, headers)

    def read_body(self):
        """Reads the whole body (keeping at most MAX_BODY+1 bytes). False on bad framing.
        A stalled sender gets BODY_READ_TIMEOUT seconds, then the connection is closed."""
        self.body = b""
        self.body_too_big = False
        self.connection.settimeout(BODY_READ_TIMEOUT)
        try:
            return self._read_body()
        finally:
            self.connection.settimeout(None)

    def _read_body(self):
        te = self.headers.get_all("Transfer-Encoding") or []
        if te:
            # RFC 9112 section 6: chunked must be the final (here: the only) coding; a
            # Transfer-Encoding in an HTTP/1.0 request means the framing is faulty; with a
            # Content-Length too, chunked wins and the connection is closed afterwards.
            codings = [c.strip().lower() for v in te for c in v.split(",") if c.strip()]
            if self.request_version == "HTTP/1.0" or codings != ["chunked"]:
                self.close_connection = True
                return False
            if self.headers.get_all("Content-Length"):
                self.close_connection = True
            return self.read_chunked()
        cls = self.headers.get_all("Content-Length") or []
        if not cls:
            return True
        vals = {v.strip() for c in cls for v in c.split(",")}
        if len(vals) != 1:
            return False
        v = vals.pop()
        if not DIGITS_RE.match(v):
            return False
        n = int(v)
        if n > HARD_CAP:
            self.body_too_big = True
            self.close_connection = True
            return True
        buf = []
        kept = 0
        remaining = n
        while remaining > 0:
            chunk = self.rfile.read(min(65536, remaining))
            if not chunk:
                self.close_connection = True
                break
            remaining -= len(chunk)
            if kept <= MAX_BODY:
                buf.append(chunk)
                kept += len(chunk)
        self.body = b"".join(buf)
        self.body_too_big = n > MAX_BODY
        return True

    def read_chunked(self):
        """Decodes a chunked body (RFC 9112 section 7.1). False, and the connection closed, on
        a malformed or truncated one; over MAX_BODY in total: body_too_big (drained up to
        HARD_CAP, then the connection is closed)."""
        buf = []
        kept = 0
        total = 0
        while True:
            line = self.rfile.readline(4097)
            m = CHUNK_LINE_RE.match(line)
            if not m:
                self.close_connection = True
                return False
            size = int(m.group(1), 16)
            if size == 0:
                trailer_bytes = 0
                while True:  # trailer fields, up to an empty line; their values are ignored
                    t = self.rfile.readline(8193)
                    trailer_bytes += len(t)
                    if not t.endswith(b"\n") or trailer_bytes > 65536:
                        self.close_connection = True
                        return False
                    if t in (b"\r\n", b"\n"):
                        break
                    if b":" not in t or t[:1] in (b" ", b"\t", b":"):
                        self.close_connection = True
                        return False
                break
            total += size
            if total > HARD_CAP:
                self.close_connection = True
                self.body_too_big = True
                return True
            remaining = size
            while remaining > 0:
                chunk = self.rfile.read(min(65536, remaining))
                if not chunk:
                    self.close_connection = True
                    return False
                remaining -= len(chunk)
                if kept <= MAX_BODY:
                    buf.append(chunk)
                    kept += len(chunk)
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):  # the CRLF that ends the chunk
                self.close_connection = True
                return False
        self.body = b"".join(buf)
        self.body_too_big = total > MAX_BODY
        return True

    def dispatch(self):
        try:
            ok = self.read_body()
        except Exception:
            ok = False
        if not ok:
            self.close_connection = True
            self.respond_text(400, "malformed message framing")
            return
        try:
            self.route()
        except HttpErr as e:
            self.respond(e.status, e.body, e.ctype, e.headers)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self.respond_text(400, "the request could not be processed")

    # ---- request checks -----------------------------------------------
    def check_auth(self):
        vals = self.headers.get_all("Authorization") or []
        if len(vals) != 1:
            raise HttpErr(401, headers=[("WWW-Authenticate", "XBL3.0")])
        v = vals[0].strip()
        m = re.match(r"(?i)XBL3\.0[ \t]+", v)
        caller = None
        if m:
            rest = v[m.end():]
            if rest.startswith("x="):
                userhash, sep, token = rest[2:].partition(";")
                if sep and userhash and not re.search(r"\s", userhash) and token.strip():
                    caller = userhash
        if caller is None:
            raise HttpErr(401, headers=[("WWW-Authenticate", "XBL3.0")])
        self.caller = caller

    def check_version(self):
        vals = self.headers.get_all("X-Xbl-Contract-Version") or []
        items = [p.strip() for v in vals for p in v.split(",") if p.strip()]
        if not items:
            raise HttpErr(406, "X-Xbl-Contract-Version is required")
        nums = set()
        for p in items:
            if not INT_RE.match(p):
                raise HttpErr(406, "X-Xbl-Contract-Version must be an integer")
            nums.add(int(p))
        if len(nums) != 1:
            raise HttpErr(406, "conflicting X-Xbl-Contract-Version values")
        n = nums.pop()
        if n < 104:
            raise HttpErr(400, "X-Xbl-Contract-Version 104 or later is required")
        self.contract_version = n

    def check_handle_id(self, raw):
        if len(raw) > MAX_HANDLE_ID_LEN:
            raise HttpErr(414)
        if not GUID_RE.match(raw):
            raise HttpErr(404, "the handle id is not a GUID")
        return raw.lower()

    def json_body(self):
        if self.body_too_big:
            raise bad("the request body is larger than 1 MiB")
        ct = (self.headers.get("Content-Type") or "").strip()
        if ct:
            mt = ct.split(";", 1)[0].strip().lower()
            if mt != "application/json" and not mt.endswith("+json"):
                raise HttpErr(415, "the body must be application/json")

        def no_constant(name):
            raise ValueError("bad constant " + name)
        try:
            return json.loads(self.body.decode("utf-8"), parse_constant=no_constant)
        except Exception:
            raise bad("the body is not valid JSON")

    def etag_list(self, name):
        """The tags of every field line of a list header (repeated lines form one list)."""
        return [t for v in self.headers.get_all(name) or [] for t in etag_tokens(v)]

    def nocommit(self):
        for v in self.query.get("nocommit", []):
            if v.strip().lower() in ("true", "1"):
                return True
        return False

    def host(self):
        h = (self.headers.get("Host") or "").strip()
        if not h or re.search(r"[\s/\\?#@]", h):
            h = "127.0.0.1:%d" % self.server.server_address[1]
        return h

    def content_location(self, s):
        if second("content-location"):
            return "/serviceconfigs/%s/sessiontemplates/%s/sessions/%s" % (
                SCID, quote(s["template"], safe=""), quote(s["name"], safe=""))
        return "http://%s/serviceConfigs/%s/sessionTemplates/%s/sessions/%s" % (
            self.host(), SCID.upper(), quote(s["template"], safe=""), quote(s["name"], safe=""))

    # ---- routing ----------------------------------------------------------
    def route(self):
        raw = self.path
        if raw.startswith(("http://", "https://")):
            i = raw.find("/", raw.find("//") + 2)
            raw = raw[i:] if i >= 0 else "/"
        path, _, query = raw.partition("?")
        path = path.split("#", 1)[0]
        self.query = parse_qs(query, keep_blank_values=True)
        if not path.startswith("/"):
            raise HttpErr(404, "no such resource")
        segs = path[1:].split("/")
        low = [s.lower() for s in segs]
        if len(segs) == 1 and low[0] == "handles":
            kind, allowed = "R3", ("POST",)
        elif len(segs) == 2 and low[0] == "handles":
            kind, allowed = "R4", ("GET", "DELETE")
        elif len(segs) == 3 and low[0] == "handles" and low[2] == "session":
            kind, allowed = "R12", ("GET", "PUT")
        elif (len(segs) == 6 and low[0] == "serviceconfigs" and low[2] == "sessiontemplates"
              and low[4] == "sessions"):
            kind, allowed = "R5", ("GET", "PUT")
        else:
            raise HttpErr(404, "no such resource")
        if self.command not in allowed:
            raise HttpErr(405, "method %s is not allowed here" % self.command[:32],
                          headers=[("Allow", ", ".join(allowed))])
        self.check_auth()
        self.check_version()
        if kind == "R3":
            self.post_handle()
        elif kind == "R4":
            hid = self.check_handle_id(segs[1])
            if self.command == "GET":
                self.get_handle(hid)
            else:
                self.delete_handle(hid)
        elif kind == "R12":
            hid = self.check_handle_id(segs[1])
            with LOCK:
                h = HANDLES.get(hid)
            if h is None:
                raise HttpErr(404, "no handle with id %s" % hid)
            tpl = TEMPLATES[h["_template"]]
            key = (tpl["name"], h["sessionRef"]["name"].lower())
            if self.command == "GET":
                self.get_session(key, True)
            else:
                self.put_session(key, tpl, h["sessionRef"]["name"], True)
        else:
            scid = unquote(segs[1])
            tname = unquote(segs[3]).lower()
            name = unquote(segs[5])
            if scid.lower() != SCID or tname not in TEMPLATES:
                raise HttpErr(404, "unknown service config or session template")
            if not name:
                raise HttpErr(404, "no such resource")
            tpl = TEMPLATES[tname]
            key = (tpl["name"], name.lower())
            if self.command == "GET":
                self.get_session(key, False)
            else:
                self.put_session(key, tpl, name, False)

    # ---- sessions -----------------------------------------------------------
    def get_session(self, key, with_cl):
        with LOCK:
            s = SESSIONS.get(key)
            doc = render_session(s) if s else None
        if s is None:
            self.respond(204)
            return
        headers = [("ETag", s["etag"])]
        if with_cl:
            headers.append(("Content-Location", self.content_location(s)))
        inm = self.headers.get("If-None-Match")
        if inm is not None:
            tags = self.etag_list("If-None-Match")
            if "*" in tags or etag_core(s["etag"]) in tags:
                self.respond(304, headers=[("ETag", s["etag"])])
                return
        self.respond_json(200, doc, headers)

    def put_session(self, key, tpl, display_name, with_cl):
        body = self.json_body()
        req = validate_write_body(body)
        nocommit = self.nocommit()
        self.pending = (req, tpl, display_name)
        with LOCK:
            cur = SESSIONS.get(key)
            self.check_preconditions(cur, with_cl)
            status, new = apply_write(cur, req, self.caller, tpl, display_name)
            if not nocommit:
                if status == 204:
                    SESSIONS.pop(key, None)
                else:
                    SESSIONS[key] = new
            doc = render_session(new) if new is not None else None
        if status == 204:
            self.respond(204)
            return
        headers = [("ETag", new["etag"])]
        if with_cl:
            headers.append(("Content-Location", self.content_location(new)))
        self.respond_json(status, doc, headers)

    def check_preconditions(self, cur, with_cl):
        if second("precedence") and getattr(self, "pending", None):
            req, tpl, display_name = self.pending
            apply_write(cur, req, self.caller, tpl, display_name)  # its 400/403/409 come first
        im = self.headers.get("If-Match")
        if im is not None:
            tags = self.etag_list("If-Match")
            if cur is None:
                raise HttpErr(412, "the session does not exist")
            if "*" not in tags and etag_core(cur["etag"]) not in tags:
                headers = [("ETag", cur["etag"])]
                if with_cl:
                    headers.append(("Content-Location", self.content_location(cur)))
                raise HttpErr(412, body=json.dumps(render_session(cur)).encode("utf-8"),
                              ctype=JSON_CT, headers=headers)
        inm = ", ".join(self.headers.get_all("If-None-Match") or []) or None
        if inm is not None and "*" in etag_tokens(inm) and cur is not None:
            raise HttpErr(412, "the session already exists")
        # If-None-Match: <etag> on a PUT is ignored.

    # ---- handles -----------------------------------------------------------
    def post_handle(self):
        b = self.json_body()
        if not isinstance(b, dict):
            raise bad("the request body must be a JSON object")
        ver = b.get("version")
        if isinstance(ver, bool) or ver != 1:
            raise bad("version must be 1")
        htype = b.get("type")
        if htype not in ("activity", "invite", "search", "transfer"):
            raise bad("type must be activity, invite, search or transfer")
        ref = b.get("sessionRef")
        if not isinstance(ref, dict):
            raise bad("sessionRef must be an object")
        for f in ("scid", "templateName", "name"):
            if not isinstance(ref.get(f), str) or not ref.get(f):
                raise bad("sessionRef.%s must be a non-empty string" % f)
        if not utf8_encodable(ref["name"]):
            # the name goes into Content-Location, percent-encoded UTF-8
            raise bad("sessionRef.name holds a lone surrogate")
        inv = b.get("invitedXuid")
        if htype == "invite" and (not isinstance(inv, str) or not DIGITS_RE.match(inv)):
            raise bad("an invite handle needs invitedXuid (a decimal string)")
        if ref["scid"].lower() != SCID or ref["templateName"].lower() not in TEMPLATES:
            raise HttpErr(404, "unknown service config or session template")
        hid = str(uuid.uuid4())
        doc = {
            "id": hid.upper() if second("handle-id-case") else hid,
            "type": htype,
            "version": 1,
            "sessionRef": {"scid": ref["scid"], "templateName": ref["templateName"], "name": ref["name"]},
            "titleId": TITLE_ID,
            "ownerXuid": self.caller,
            "createTime": now_iso(),
            "alt": True,
        }
        if htype == "invite":
            attrs = {"titleId": TITLE_ID}
            if isinstance(b.get("inviteAttributes"), dict):
                attrs.update(b["inviteAttributes"])
            doc.update({
                "invitedXuid": inv,
                "senderXuid": self.caller,
                "inviteAttributes": attrs,
                "expiration": now_iso(timedelta(hours=4)),
            })
        rec = {"doc": doc, "_template": ref["templateName"].lower(), "sessionRef": doc["sessionRef"]}
        with LOCK:
            HANDLES[hid] = rec
        self.respond_json(201 if second("handle-status") else 200, doc)

    def get_handle(self, hid):
        with LOCK:
            h = HANDLES.get(hid)
            doc = copy.deepcopy(h["doc"]) if h else None
        if doc is None:
            raise HttpErr(404, "no handle with id %s" % hid)
        self.respond_json(200, doc)

    def delete_handle(self, hid):
        with LOCK:
            h = HANDLES.pop(hid, None)
            if second("delete-handle"):
                if h is not None:
                    DELETED_HANDLES.add(hid)
                elif hid in DELETED_HANDLES:
                    h = "deleted before"    # deleting it again succeeds again
        if h is None:
            raise HttpErr(404, "no handle with id %s" % hid)
        self.respond(204 if second("delete-handle") else 200)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--choices", choices=("first", "second"), default="first",
                    help="the answer to take wherever the contract allows a set (see the docstring)")
    ap.add_argument("--choice", action="append", default=[], metavar="NAME=first|second",
                    help="one choice alone, after --choices; repeatable")
    args = ap.parse_args()
    if args.choices == "second":
        CHOICES.update(CHOICE_NAMES)
    for c in args.choice:
        name, _, which = c.partition("=")
        if name not in CHOICE_NAMES or which not in ("first", "second"):
            ap.error("--choice %s: NAME=first|second, NAME one of %s" % (c, ", ".join(CHOICE_NAMES)))
        (CHOICES.add if which == "second" else CHOICES.discard)(name)
    srv = Server(("127.0.0.1", args.port), Handler)
    print("listening on http://127.0.0.1:%d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
