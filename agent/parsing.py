"""Splitting an LLM's response into its reasoning, its mathematical formulation and its model program.

One parser serves every source of responses the project meets: our own prompts, the published checkpoints served
through their prompt profiles (SIRL, ORLM, LLMOPT), and recorded completions replayed from the anchors (ANCHORS.md
§8.1). Responses are untrusted, frequently malformed data — a truncated generation, a second "corrected" code
block, a ``<think>`` that never closes, binary junk from a broken server — so :func:`parse_response` never raises:
whatever it cannot make sense of becomes a warning on the result, and the graph's checks decide what to do with it.

Layouts recognized (``ParsedResponse.format``):

``sirl``
    ``<think>…</think> <model>…</model> <python>…</python>``; ``<python>`` may wrap a fenced block (ANCHORS §1.3).
``orlm``
    ``## Mathematical Model:`` with ``### Decision Variables:`` / ``### Objective Function:`` / ``### Constraints:``,
    then ``## Python Code Solution Using `coptpy`:`` and a fenced program (ANCHORS §2.1, also OR-R1).
``llmopt``
    The five-element model (``## Sets:`` … ``## Constraints:``) in a plain or ``text`` fence, then the program
    (ANCHORS §4.1).
``alphaopt``
    The four-element model (``## Parameters:`` / ``## Variables:`` / ``## Objective:`` / ``## Constraints:``, no
    sets) in a plain fence, then a program (ANCHORS §3.4).
``orthought``
    ``<solution_path>…</solution_path>``, a ```` ```model ```` summary, a ```` ```python ```` function; debug answers
    put the program in ``<code>…</code>`` (ANCHORS §6.4).
``optimus``
    An OptiMUS JSON state (parameters, objective, constraints with formulations), or an assembled program that
    reads its numbers from ``data.json``/``parameters.json`` (ANCHORS §6.1).
``resocratic``
    An optional ```` ```scenario ```` block (``## Define Variables:`` …) and a pyscipopt program whose objective is
    an auxiliary variable ``obj`` (ANCHORS §5.2).
``optagent``
    Our own layout, written by the prompts in :mod:`agent.prompts`: ``## Formulation`` (with ``### Sets``,
    ``### Parameters``, ``### Decision variables``, ``### Objective``, ``### Constraints``) and ``## Program``.
``fenced`` / ``bare`` / ``none``
    Any other response with a code fence; code with no fence at all; no code.

**Which code block is the program.** Candidates are the contents of ``<python>``/``<code>`` tags (a fence inside a
tag is unwrapped), then fenced blocks outside tags, then — only when neither exists — unfenced code and, last,
code inside the reasoning. A block counts as Python when its fence says so (``python``, ``python3``, ``py``, a
solver library's name…) or, unlabelled, when it has imports or definitions. Among candidates the program is the
one with the highest rank, comparing in order: taken from a tag; Python (other languages are kept only when
there is no Python at all); *solver score* — imports a modelling/solver library (+1) and calls a solve entry point
such as ``.optimize()``/``.solve()``/``SolverFactory`` (+1); complete (its fence or tag closed). Ties go to the
**last** block: a response that writes a program and then a corrected program means the second. So a helper
snippet or a printed output never beats the model, a finished program beats a truncated re-write, and among
equals the latest wins. SIRL and ORLM took the *first* ``python`` block; with one block per response, as their
checkpoints write, the two rules agree.

:func:`parse_objective_marker` reads the anchors' stdout markers. The project never grades from stdout (the
solver layer captures results from the solver object); the markers serve only as a fallback when replaying
recorded outputs that have nothing else.
"""

from __future__ import annotations

import ast
import bisect
import functools
import html
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "FORMULATION_HEADING",
    "FORMULATION_SECTIONS",
    "OBJECTIVE_MARKERS",
    "PROGRAM_HEADING",
    "ParsedResponse",
    "ResponseFormat",
    "extract_code",
    "fence_for",
    "formulation_sections",
    "parse_objective_marker",
    "parse_response",
    "render_optagent_response",
]


class ResponseFormat(StrEnum):
    """The response layout the parser recognized (see the module docstring for each one)."""

    SIRL = "sirl"
    ORLM = "orlm"
    LLMOPT = "llmopt"
    ALPHAOPT = "alphaopt"
    ORTHOUGHT = "orthought"
    OPTIMUS = "optimus"
    RESOCRATIC = "resocratic"
    OPTAGENT = "optagent"
    FENCED = "fenced"
    BARE = "bare"
    NONE = "none"


# -- our own layout: defined here, once, so that the prompts that ask for it and the parser that reads it agree --

FORMULATION_HEADING = "## Formulation"
"""Opens the formulation in the optagent layout."""
PROGRAM_HEADING = "## Program"
"""Opens the model program (one fenced ``python`` block) in the optagent layout."""
FORMULATION_SECTIONS: tuple[tuple[str, str], ...] = (
    ("sets", "### Sets"),
    ("parameters", "### Parameters"),
    ("variables", "### Decision variables"),
    ("objective", "### Objective"),
    ("constraints", "### Constraints"),
)
"""``(key, heading)`` of each formulation part, in order; the keys are those :func:`formulation_sections` returns."""


@dataclass(frozen=True, slots=True)
class ParsedResponse:
    """The parts of one LLM response.

    Attributes:
        think: The reasoning (``<think>``, ORThought's ``<solution_path>``), or None.
        formulation: The mathematical model as the response wrote it (markdown/LaTeX text), or None.
        code: The model program's source, or None when the response has none.
        language: ``"python"`` for Python code; another fence label when the only code is in another language
            (kept so the caller can say "write Python" instead of "no code"); None without code.
        format: Which layout was recognized.
        warnings: What was odd or repaired, in words a repair prompt or a log can use.
    """

    think: str | None
    formulation: str | None
    code: str | None
    language: str | None
    format: ResponseFormat
    warnings: tuple[str, ...] = ()

    @property
    def has_code(self) -> bool:
        """Whether the response holds a program to run."""
        return self.code is not None

    def sections(self) -> dict[str, str]:
        """The formulation split into its parts (see :func:`formulation_sections`); empty without one."""
        return formulation_sections(self.formulation) if self.formulation else {}


def render_optagent_response(formulation: str | None = None, program: str | None = None) -> str:
    """Write a response in the optagent layout: what our prompts ask for and :func:`parse_response` reads back.

    Used by scripted (mock) backends and tests, so a fake response is built the same way a real one must look.
    """
    parts: list[str] = []
    if formulation is not None:
        parts.append(f"{FORMULATION_HEADING}\n\n{formulation.strip()}\n")
    if program is not None:
        fence = fence_for(program)
        parts.append(f"{PROGRAM_HEADING}\n\n{fence}python\n{program.strip(chr(10))}\n{fence}\n")
    return "\n".join(parts)


def extract_code(text: str | bytes) -> str | None:
    """The model program in a response, or None; :func:`parse_response` for callers that need only the code."""
    return parse_response(text).code


def parse_response(text: str | bytes) -> ParsedResponse:
    """Split a response into reasoning, formulation and program, recognizing the layout it follows.

    Never raises: responses are untrusted data and a crash here would lose the whole attempt. Every repair or
    doubt (two code blocks, a truncated block, an unclosed tag, code that does not parse) is reported in
    ``warnings``. Time is linear in the input apart from one syntax check of the chosen program, which is
    skipped for programs over 1 MB.

    Args:
        text: The raw completion; bytes are decoded as UTF-8 with replacement (recorded files, broken servers).

    Returns:
        The parts found; ``format`` is ``none`` and ``code`` None when there is nothing usable.
    """
    try:
        return _parse(text)
    except Exception as exc:  # the last line of defence for the promise above; tests assert it never fires
        return ParsedResponse(
            None, None, None, None, ResponseFormat.NONE, (f"internal parser error: {type(exc).__name__}: {exc}",)
        )


# -- stdout markers (replay fallback only) ------------------------------------------------------------------------

OBJECTIVE_MARKERS: tuple[str, ...] = (
    "Just print the best obj:",  # SIRL training reward and COPT inference footer (ANCHORS §1.3)
    "Just print the best solution:",  # SIRL gurobipy inference, ORLM and OptMATH footers (§1.3, §2.3, §6.3)
    "Optimal value",  # AlphaOPT footer, `Optimal value\s*[:=]` (§3.4)
    "Optimal objective value",
    "Objective value",
)
"""Markers searched in this order; the first line holding the first marker found wins, as in the anchors."""

_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:inf(?:inity)?|nan)\b", re.IGNORECASE)


def parse_objective_marker(stdout: str | bytes, markers: tuple[str, ...] = OBJECTIVE_MARKERS) -> float | None:
    """The objective a program printed after one of the anchors' markers, or None.

    Only for replaying recorded outputs (ORLM ``executed.jsonl`` and the like) that carry nothing but stdout:
    everywhere else the objective comes from the captured solver result, never from what a program prints —
    a program can print any number. Unlike the anchors' regex this reads scientific notation (``5e-05`` is not
    5.0). Markers ending in a word (``Optimal value``) must be followed by ``:`` or ``=``, so "Optimal values of
    x" does not count. Matching ignores case. A marker line without a number, and ``nan``/``inf``, give None.

    Args:
        stdout: The program's standard output.
        markers: Markers to look for, in priority order.
    """
    if isinstance(stdout, bytes | bytearray):
        stdout = bytes(stdout).decode("utf-8", "replace")
    if not isinstance(stdout, str) or not stdout:
        return None
    for marker in markers:
        match = _marker_pattern(marker).search(stdout)
        if match is None:
            continue
        line_end = stdout.find("\n", match.end())
        number = _NUMBER.search(stdout, match.end(), line_end if line_end >= 0 else len(stdout))
        if number is None:
            return None
        value = float(number.group(0))
        return value if math.isfinite(value) else None
    return None


@functools.lru_cache(maxsize=64)
def _marker_pattern(marker: str) -> re.Pattern[str]:
    tail = "" if marker.endswith((":", "=")) else r"[ \t]*[:=]"
    return re.compile(re.escape(marker) + tail, re.IGNORECASE)


# -- the formulation's parts --------------------------------------------------------------------------------------

_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*[.)]?|[ivx]+[.)]|[a-h][.)])\s+")


def _norm_title(title: str) -> str:
    """A heading's words for matching: lower case, no emphasis, numbering, backticks or trailing colon."""
    t = title.strip().lower()
    if "`" in t or "*" in t or "_" in t:
        t = t.replace("`", "").replace("*", "").replace("_", " ").strip()
    if t[:1].isdigit() or t[1:2] in (".", ")"):
        t = _NUMBERING.sub("", t)
    return t.rstrip(":：").strip()


def _label_key(label: str) -> str | None:
    """Which formulation part a (normalized) heading names, or None."""
    if not label or len(label) > 48:
        return None
    if "constraint" in label or label in ("subject to", "s.t.", "st"):
        return "constraints"
    if label.startswith("objective") or label.startswith("define objective"):
        return "objective"
    if "variable" in label:
        return "variables"
    if label.startswith("parameter") or label in ("data", "given data", "input data"):
        return "parameters"
    if label in ("sets", "set", "indices", "index sets", "sets and indices", "indices and sets", "sets & indices"):
        return "sets"
    return None


def _section_header(line: str) -> tuple[str, str] | None:
    """``(key, rest of the line)`` when the line heads a formulation part, else None.

    Heading styles met in practice: ``## Sets:``, ``**Objective**``, ``Constraints:`` on a line of its own.
    """
    s = line.strip()
    if not s or len(s) > 160:
        return None
    rest = ""
    if s.startswith("#"):
        s = s.lstrip("#").strip()
        head, colon, after = s.partition(":")
        if colon:
            s, rest = head, after.strip()
    elif s.startswith("**"):
        inner = s[2:]
        close = inner.find("**")
        if close < 0:
            return None
        head, after = inner[:close], inner[close + 2 :].strip()
        if after.startswith(":"):
            after = after[1:].strip()
        s, rest = head, after
    elif s.endswith(":") or s.endswith("："):
        s = s[:-1]
    else:
        return None
    key = _label_key(_norm_title(s))
    return (key, rest) if key else None


def formulation_sections(formulation: str) -> dict[str, str]:
    """Split formulation text into its parts: ``sets``, ``parameters``, ``variables``, ``objective``, ``constraints``.

    Only the parts present are returned. Understands our layout, the five-element and four-element templates,
    ORLM's and SIRL's headings and ReSocratic's "Define Variables / Generate Constraint-N"; a part named twice
    (one heading per constraint) is joined. The graph's checks use it to look at declared variable types and the
    objective's sense without re-parsing every anchor's layout.
    """
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in formulation.replace("\r\n", "\n").split("\n"):
        header = _section_header(line)
        if header is not None:
            key, rest = header
            current = sections.setdefault(key, [])
            if current:
                current.append("")
            if rest:
                current.append(rest)
            continue
        if current is not None:
            current.append(line)
    return {key: "\n".join(lines).strip() for key, lines in sections.items() if "\n".join(lines).strip()}


# -- scanning -----------------------------------------------------------------------------------------------------

_PY_LABELS = frozenset(
    {
        "python",
        "python3",
        "python2",
        "py",
        "py3",
        "ipython",
        "ipython3",
        "pycon",
        "gurobipy",
        "gurobi",
        "coptpy",
        "copt",
        "pyomo",
        "cvxpy",
        "highspy",
        "pyscipopt",
        "scip",
        "ortools",
        "or-tools",
        "pulp",
    }
)
_TEXT_LABELS = frozenset(
    {
        "",
        "text",
        "txt",
        "plaintext",
        "plain",
        "markdown",
        "md",
        "latex",
        "tex",
        "math",
        "katex",
        "model",
        "scenario",
        "json",
        "jsonl",
        "yaml",
        "yml",
        "toml",
        "ini",
        "csv",
        "tsv",
        "xml",
        "html",
        "output",
        "out",
        "console",
        "terminal",
        "bash",
        "sh",
        "shell",
        "zsh",
        "powershell",
        "cmd",
        "bat",
        "diff",
        "log",
        "stdout",
        "stderr",
        "result",
        "results",
        "lp",
        "mps",
        "sql",
    }
)
_LANGUAGE_LABEL = re.compile(r"[a-z][a-z0-9_+#-]{0,15}\Z")
"""What a code language's fence label looks like; anything else ("e<~h") is junk, not a language."""
_FIVE_LABELS = frozenset({"", "text", "txt", "plaintext", "plain", "markdown", "md", "latex", "tex", "math"})

_PY_HINT = re.compile(
    r"^[ \t]*(?:import[ \t]+[A-Za-z_]|from[ \t]+[A-Za-z_][\w.]*[ \t]+import[ \t(]"
    r"|def[ \t]+\w+[ \t]*\(|class[ \t]+\w+[ \t]*[:(])",
    re.MULTILINE,
)
_IMPORT_LINE = re.compile(r"^[ \t]*(?:import[ \t]+[A-Za-z_]|from[ \t]+[A-Za-z_][\w.]*[ \t]+import[ \t(])", re.MULTILINE)
_SOLVER_IMPORT = re.compile(
    r"^[ \t]*(?:import|from)[ \t]+(?:pyomo|highspy|cvxpy|ortools|pyscipopt|gurobipy|coptpy|pulp|docplex|mip|scipy"
    r"|cplex|xpress|mosek|amplpy|gamspy|casadi|linopy|picos|pyoptinterface|cylp|swiglpk|gekko|optlang)\b",
    re.MULTILINE,
)
_SOLVE_CALL = re.compile(
    r"\.(?:optimize|solve|Solve|minimize|maximize|run)[ \t]*\(|\bSolverFactory[ \t]*\(|\b(?:linprog|milp)[ \t]*\("
)
_RESOCRATIC_OBJ = re.compile(r"\.addVar\([ \t]*['\"]obj['\"]")
_JSON_DATA_FILE = re.compile(r"['\"][^'\"\n]*(?:data|parameters)\.json['\"]")
_TAG = re.compile(r"<(/?)[ \t]*(think|thinking|model|python|solution_path|code)[ \t]*>", re.IGNORECASE)

_MAX_CODE_REGIONS = 64
"""Tagged code regions looked at: a real response has one or two; thousands only come from junk."""
_MAX_SYNTAX_CHECK = 1_000_000
"""Programs longer than this (characters) are not syntax-checked: no model program is that long, and parsing one
would break the parser's time bound."""


@dataclass(slots=True)
class _Fence:
    start: int  # offset of the opening fence line
    end: int  # offset just past the closing fence (or the end of the text)
    label: str  # normalized info string ("" when none)
    body: str
    closed: bool
    language: str | None  # "python", another code language, or None for formulation/data/output blocks


@dataclass(slots=True)
class _Heading:
    start: int  # offset of the heading line
    end: int  # offset of the end of that line
    level: int
    title: str  # normalized


@dataclass(slots=True)
class _Scan:
    text: str
    fences: list[_Fence]
    headings: list[_Heading]


@functools.lru_cache(maxsize=512)
def _fence_label(info: str) -> str:
    info = info.strip()
    word = info.split(maxsplit=1)[0] if info else ""
    return word.strip("{}.").lower()


_FENCE_LINE = re.compile(r"^([ \t]*)(`{3,}|~{3,})(.*)$", re.MULTILINE)
_HEADING_LINE = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*))?$", re.MULTILINE)


@functools.lru_cache(maxsize=64)
def _glued_close(marker: str) -> re.Pattern[str]:
    return re.compile(re.escape(marker) + r"[ \t]*$", re.MULTILINE)


def _scan(text: str) -> _Scan:
    """Find fenced blocks and the headings outside them.

    Only fence and heading lines are visited (two regex passes), so the cost is linear in the text and small per
    ordinary line. Closing fences follow CommonMark (same character, at least as long, nothing else on the line);
    they are indexed up front with a suffix maximum of their lengths, so a missing close is known at once. A block
    whose closing line is missing is closed by the first later line that *ends* with the fence ("code```");
    failing that it runs to the end of the text (truncated).
    """
    events: list[tuple[int, int, int, str, int, str]] = []  # line start, line end, indent, char, run, info
    closer_at: dict[str, list[int]] = {"`": [], "~": []}  # event indices of bare fence lines
    closer_len: dict[str, list[int]] = {"`": [], "~": []}
    for m in _FENCE_LINE.finditer(text):
        marker, info = m.group(2), m.group(3)
        if not info.strip():
            closer_at[marker[0]].append(len(events))
            closer_len[marker[0]].append(len(marker))
        events.append((m.start(), m.end(), len(m.group(1)), marker[0], len(marker), info))
    suffix_max: dict[str, list[int]] = {}
    for ch, lengths in closer_len.items():
        acc = [0] * (len(lengths) + 1)
        for k in range(len(lengths) - 1, -1, -1):
            acc[k] = max(acc[k + 1], lengths[k])
        suffix_max[ch] = acc
    starts = [e[0] for e in events]

    fences: list[_Fence] = []
    i = 0
    while i < len(events):
        line_start, line_end, indent, ch, run, info = events[i]
        if ch == "`" and "`" in info:  # "```x```" inline code, not a fence
            i += 1
            continue
        body_start = min(line_end + 1, len(text))
        at, lengths = closer_at[ch], closer_len[ch]
        k = bisect.bisect_right(at, i)
        closed = True
        if k < len(at) and suffix_max[ch][k] >= run:
            while lengths[k] < run:
                k += 1
            close = events[at[k]]
            body = text[body_start : max(body_start, close[0] - 1)]
            end = close[1]
            next_i = at[k] + 1
        else:
            glued = _glued_close(ch * run).search(text, body_start)
            if glued is not None:
                body = text[body_start : glued.start()].rstrip(ch)
                end = glued.end()
            else:
                body, end, closed = text[body_start:], len(text), False
            next_i = bisect.bisect_left(starts, end)
        if indent:
            pad = " " * indent
            body = "\n".join(b[indent:] if b.startswith(pad) else b.lstrip(" ") for b in body.split("\n"))
        label = _fence_label(info)
        fences.append(_Fence(line_start, end, label, body, closed, _fence_language(label, body)))
        i = max(next_i, i + 1)

    headings: list[_Heading] = []
    fi = 0
    for m in _HEADING_LINE.finditer(text):
        pos = m.start()
        while fi < len(fences) and fences[fi].end < pos:
            fi += 1
        if fi < len(fences) and fences[fi].start <= pos <= fences[fi].end:
            continue
        title = (m.group(2) or "").strip().rstrip("#").strip()
        if len(title) <= 300:
            headings.append(_Heading(pos, m.end(), len(m.group(1)), _norm_title(title)))
    return _Scan(text, fences, headings)


@dataclass(slots=True)
class _Region:
    name: str
    content: str
    closed: bool


def _tag_regions(text: str) -> tuple[list[_Region], str]:
    """The tagged regions (think, model, python, solution_path, code) and the text outside all of them.

    A region with a matching closing tag later in the text spans to it, whatever tags it mentions on the way
    (reasoning that talks about "<python> tags" stays reasoning). An unclosed one ends where the next region of a
    different kind opens, or at the end. A ``</think>`` with no ``<think>`` before it makes everything before it
    reasoning: chat templates of reasoning models put the opening tag in the prompt.
    """
    toks = [(m.start(), m.end(), _canon_tag(m.group(2)), m.group(1) == "/") for m in _TAG.finditer(text)]
    if not toks:
        return [], text
    next_close: list[int | None] = [None] * len(toks)
    last: dict[str, int] = {}
    for k in range(len(toks) - 1, -1, -1):
        next_close[k] = last.get(toks[k][2])
        if toks[k][3]:
            last[toks[k][2]] = k
    regions: list[_Region] = []
    outside: list[str] = []
    pos = 0
    k = 0
    first_open = next((i for i, t in enumerate(toks) if t[2] == "think" and not t[3]), len(toks))
    first_close = next((i for i, t in enumerate(toks) if t[2] == "think" and t[3]), None)
    if first_close is not None and first_close < first_open:
        regions.append(_Region("think", text[: toks[first_close][0]], True))
        pos = toks[first_close][1]
        k = first_close + 1
    while k < len(toks):
        start, end, name, closing = toks[k]
        if closing:
            k += 1
            continue
        outside.append(text[pos:start])
        close = next_close[k]
        if close is not None:
            regions.append(_Region(name, text[end : toks[close][0]], True))
            pos = toks[close][1]
            k = close + 1
            continue
        j = k + 1
        while j < len(toks) and (toks[j][3] or toks[j][2] == name):
            j += 1
        stop = toks[j][0] if j < len(toks) else len(text)
        regions.append(_Region(name, text[end:stop], False))
        pos = stop
        k = j
    outside.append(text[pos:])
    return regions, "\n".join(outside)


_CANON_TAGS = {"think": "think", "thinking": "think", "model": "model", "python": "python", "code": "code"}


def _canon_tag(name: str) -> str:
    canon = _CANON_TAGS.get(name)
    if canon is None:
        name = name.lower()
        canon = "think" if name == "thinking" else name
    return canon


# -- code candidates ----------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class _Candidate:
    code: str
    language: str
    closed: bool
    tagged: bool
    where: str  # "fence", "<python>", "<code>", "bare", "think"
    fence: _Fence | None = None

    @property
    def python(self) -> bool:
        return self.language == "python"

    def rank(self) -> tuple[bool, bool, int, bool]:
        return (self.tagged, self.python, _solver_score(self.code), self.closed)


def _solver_score(code: str) -> int:
    return int(_SOLVER_IMPORT.search(code) is not None) + int(_SOLVE_CALL.search(code) is not None)


def _looks_like_python(body: str) -> bool:
    return _PY_HINT.search(body) is not None


def _fence_language(label: str, body: str) -> str | None:
    """``"python"``, another code language, or None for formulation/data/output blocks."""
    if label in _PY_LABELS:
        return "python"
    if label == "":
        return "python" if _looks_like_python(body) else None
    if label in _TEXT_LABELS or _LANGUAGE_LABEL.match(label) is None:
        return None
    return label


def _fence_candidates(scan: _Scan, *, tagged: bool, where: str) -> list[_Candidate]:
    out: list[_Candidate] = []
    for fence in scan.fences:
        if fence.language is not None and fence.body.strip():
            out.append(_Candidate(fence.body, fence.language, fence.closed, tagged, where, fence))
    return out


def _region_candidate(region: _Region, warnings: list[str]) -> _Candidate | None:
    """The program inside a ``<python>``/``<code>`` region: its best fenced block, else its raw text."""
    if not region.content.strip():
        return None
    where = f"<{region.name}>"
    scan = _scan(region.content)
    inner = _fence_candidates(scan, tagged=True, where=where)
    if inner:
        return _choose(inner, warnings)
    raw = region.content
    if scan.fences:  # only output/text blocks inside: drop them, keep what is around
        kept: list[str] = []
        cursor = 0
        for fence in scan.fences:
            kept.append(raw[cursor : fence.start])
            cursor = fence.end
        kept.append(raw[cursor:])
        raw = "".join(kept)
    if not raw.strip():
        return None
    if region.name == "code" and not _looks_like_python(raw):
        return None  # inline <code>x</code> in prose, not a program
    raw, dropped = _drop_leading_prose(raw)
    if dropped:
        warnings.append(f"dropped {dropped} line{'s' if dropped > 1 else ''} of text before the code in {where}")
    return _Candidate(raw, "python", region.closed, True, where)


def _drop_leading_prose(code: str) -> tuple[str, int]:
    """Cut text lines ("Here is the code:") before the first import, keeping comments right above it."""
    lines = code.split("\n")
    first = _IMPORT_LINE.search(code)
    if first is None:
        return code, 0
    start = code.count("\n", 0, first.start())
    head = lines[:start]
    if all(not h.strip() or h.lstrip().startswith(("#", '"""', "'''")) or _is_code_line(h) for h in head):
        return code, 0
    keep = start
    while keep > 0 and lines[keep - 1].lstrip().startswith("#"):
        keep -= 1
    dropped = sum(1 for h in lines[:keep] if h.strip())
    return "\n".join(lines[keep:]), dropped


_CODE_LINE = re.compile(
    r"^[ \t]*(?:[A-Za-z_][\w.]*(?:\[[^\]]*\])?[ \t]*(?:[-+*/]?=|\()|@|if\b|for\b|while\b|with\b|try\b)"
)


def _is_code_line(line: str) -> bool:
    return _CODE_LINE.match(line) is not None or line.startswith((" ", "\t"))


def _bare_candidate(answer: str, warnings: list[str], where: str = "bare") -> _Candidate | None:
    """Code written without any fence: from the first import to the end, when the text has an import."""
    if _IMPORT_LINE.search(answer) is None:
        return None
    code, dropped = _drop_leading_prose(answer)
    if dropped:
        warnings.append(f"no code fence; dropped {dropped} line{'s' if dropped > 1 else ''} of text before the code")
    return _Candidate(code, "python", True, False, where)


def _choose(candidates: list[_Candidate], warnings: list[str]) -> _Candidate:
    """The program among several blocks (rule in the module docstring); says why when there was a choice."""
    best_index = 0
    best_rank = candidates[0].rank()
    for index in range(1, len(candidates)):
        rank = candidates[index].rank()
        if rank >= best_rank:  # ties go to the later block
            best_index, best_rank = index, rank
    best = candidates[best_index]
    python = [c for c in candidates if c.python]
    if len(python) > 1 and best.python:
        count = len(python)
        position = next(i for i, c in enumerate(python, 1) if c is best)
        if position == count:
            warnings.append(f"{count} python blocks; took the last one")
        elif best.closed and all(not c.closed for c in python[position:]):
            warnings.append(f"{count} python blocks; took the last complete one")
        else:
            warnings.append(
                f"{count} python blocks; took block {position} of {count}, the last that imports a solver library "
                "and calls solve"
            )
    return best


# -- the parse ----------------------------------------------------------------------------------------------------


def _normalize(text: str | bytes, warnings: list[str]) -> str:
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8", "replace")
    elif not isinstance(text, str):
        warnings.append(f"response is {type(text).__name__}, not text")
        text = ""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        warnings.append("response contains NUL bytes (removed)")
        text = text.replace("\x00", "")
    return text


def _parse(text: str | bytes) -> ParsedResponse:
    warnings: list[str] = []
    text = _normalize(text, warnings)
    if not text.strip():
        return ParsedResponse(None, None, None, None, ResponseFormat.NONE, (*warnings, "empty response"))

    optimus = _optimus_state(text)
    if optimus is not None:
        return _finish(optimus, warnings)

    regions, answer = _tag_regions(text)
    names = {r.name for r in regions}
    for region in regions:
        if not region.closed and region.name in ("think", "model", "solution_path"):
            warnings.append(f"unclosed <{region.name}>")
    reasoning = [r.content.strip() for r in regions if r.name in ("think", "solution_path") and r.content.strip()]
    think = "\n\n".join(reasoning) if reasoning else None

    # Candidates, in order of preference: tags, fences outside tags, bare code, code inside the reasoning.
    tagged: list[_Candidate] = []
    code_regions = [r for r in regions if r.name in ("python", "code")]
    if len(code_regions) > _MAX_CODE_REGIONS:
        warnings.append(f"{len(code_regions)} <python>/<code> regions; looked at the last {_MAX_CODE_REGIONS}")
        code_regions = code_regions[-_MAX_CODE_REGIONS:]
    for region in code_regions:
        candidate = _region_candidate(region, warnings)
        if candidate is not None:
            tagged.append(candidate)
    scan = _scan(answer)
    fenced = _fence_candidates(scan, tagged=False, where="fence")
    chosen: _Candidate | None = None
    if tagged or fenced:
        chosen = _choose([*tagged, *fenced], warnings)
    else:
        chosen = _bare_candidate(answer, warnings)
        if chosen is None and think:
            inner_scan = _scan(think)
            inner = [c for c in _fence_candidates(inner_scan, tagged=False, where="think") if c.python]
            if inner:
                chosen = _choose(inner, warnings)
            else:
                chosen = _bare_candidate(think, [], where="think")
            if chosen is not None:
                warnings.append("no code after the reasoning; took the code written inside it")

    fmt, formulation = _layout(scan, regions, names, chosen)
    return _finish(ParsedResponse(think, formulation, None, None, fmt), warnings, chosen)


def _finish(parsed: ParsedResponse, warnings: list[str], chosen: _Candidate | None = None) -> ParsedResponse:
    """Clean and check the chosen code and assemble the result with every warning."""
    warnings = [*warnings, *parsed.warnings]
    code, language = parsed.code, parsed.language
    if chosen is not None:
        code, language = chosen.code, chosen.language
        if not chosen.closed:
            if chosen.fence is None and chosen.where in ("<python>", "<code>"):
                warnings.append(f"code truncated (no closing </{chosen.where[1:-1]}>)")
            else:
                warnings.append("code block truncated (no closing fence)")
        if language != "python":
            warnings.append(f"no Python code; took a {language} block")
    if code is not None:
        code = _clean_code(code, warnings)
        if code and language == "python":
            code = _check_syntax(code, warnings)
    if not code:
        code, language = None, None
        warnings.append("no code found")
    elif language == "python" and "json" in code and _JSON_DATA_FILE.search(code):
        warnings.append("the program reads its data from a JSON file; run it with that file beside it")
    fmt = parsed.format
    if fmt is ResponseFormat.NONE and code is not None:
        fmt = ResponseFormat.BARE
    return ParsedResponse(parsed.think, parsed.formulation, code, language, fmt, _compact(warnings))


_MAX_WARNINGS = 20


def _compact(warnings: list[str]) -> tuple[str, ...]:
    """Each warning once (with a count when repeated), at most ``_MAX_WARNINGS`` of them.

    Junk input can repeat a problem a million times, and warnings end up in prompts and logs.
    """
    counts: dict[str, int] = {}
    for warning in warnings:
        counts[warning] = counts.get(warning, 0) + 1
    out = [w if n == 1 else f"{w} ({n} times)" for w, n in counts.items()]
    if len(out) > _MAX_WARNINGS:
        out = [*out[: _MAX_WARNINGS - 1], f"and {len(out) - _MAX_WARNINGS + 1} more warnings"]
    return tuple(out)


def _clean_code(code: str, warnings: list[str]) -> str:
    if "\u00a0" in code:
        code = code.replace("\u00a0", " ")
        warnings.append("replaced non-breaking spaces in the code")
    lines = code.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    return "\n".join(lines[start:]).rstrip()


def _check_syntax(code: str, warnings: list[str]) -> str:
    """Report a syntax error, repairing two harmless causes: HTML-escaped code and trailing prose."""
    if len(code) > _MAX_SYNTAX_CHECK:
        warnings.append(f"code not syntax-checked ({len(code)} characters)")
        return code
    error = _syntax_error(code)
    if error is None:
        return code
    if "&lt;" in code or "&gt;" in code or "&amp;" in code or "&quot;" in code or "&#39;" in code:
        unescaped = html.unescape(code)
        if _syntax_error(unescaped) is None:
            warnings.append("unescaped HTML entities in the code")
            return unescaped
    lineno = error[1]
    lines = code.split("\n")
    if lineno is not None and 1 < lineno <= len(lines):
        bad = lines[lineno - 1]
        if bad[:1] not in (" ", "\t", "#") and not lines[lineno - 2].strip():
            head = "\n".join(lines[: lineno - 1]).rstrip()
            if head and _syntax_error(head) is None:
                dropped = sum(1 for line in lines[lineno - 1 :] if line.strip())
                warnings.append(f"dropped {dropped} line{'s' if dropped > 1 else ''} of text after the code")
                return head
    kind, where, message = error
    at = f" line {where}" if where is not None else ""
    warnings.append(f"code does not parse: {kind}{at}: {message}")
    return code


def _syntax_error(code: str) -> tuple[str, int | None, str] | None:
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return type(exc).__name__, exc.lineno, exc.msg
    except (ValueError, RecursionError, MemoryError, OverflowError, UnicodeError) as exc:
        return type(exc).__name__, None, str(exc)[:200]
    return None


def _layout(
    scan: _Scan, regions: list[_Region], names: set[str], chosen: _Candidate | None
) -> tuple[ResponseFormat, str | None]:
    """Which anchor layout the response follows, and its formulation text (see the module docstring)."""
    if "model" in names or "python" in names:
        model = next((r.content.strip() for r in regions if r.name == "model" and r.content.strip()), None)
        return ResponseFormat.SIRL, model
    model_fence = next((f for f in scan.fences if f.label == "model"), None)
    code_tag = chosen is not None and chosen.where == "<code>"
    if "solution_path" in names or model_fence is not None or code_tag:
        return ResponseFormat.ORTHOUGHT, model_fence.body.strip() if model_fence and model_fence.body.strip() else None

    titles = [h.title for h in scan.headings]
    if any(t == "formulation" or t == "program" for t in titles):
        return ResponseFormat.OPTAGENT, _section_after(scan, "formulation", stop_titles=("program",))
    if any(t.startswith("mathematical model") or t.startswith("python code solution") for t in titles):
        formulation = _section_after(scan, "mathematical model", stop_titles=("python code",))
        return ResponseFormat.ORLM, formulation

    for fence in scan.fences:
        if fence.label in _FIVE_LABELS and fence.language is None and _may_have_parts(fence.body):
            keys = {h[0] for h in map(_section_header, fence.body.split("\n")) if h is not None}
            if {"variables", "objective", "constraints"} <= keys:
                fmt = ResponseFormat.LLMOPT if "sets" in keys else ResponseFormat.ALPHAOPT
                return fmt, fence.body.strip()
    top = [(h, _label_key(h.title)) for h in scan.headings if h.level <= 2]
    keys = {key for _, key in top if key}
    if {"variables", "objective", "constraints"} <= keys:
        first = next(h for h, key in top if key)
        stop = next((f.start for f in scan.fences if f.start > first.start and f.language), len(scan.text))
        text = scan.text[first.start : stop].strip()
        return (ResponseFormat.LLMOPT if "sets" in keys else ResponseFormat.ALPHAOPT), text

    scenario = next((f for f in scan.fences if f.label == "scenario"), None)
    if scenario is not None or (
        chosen is not None and _RESOCRATIC_OBJ.search(chosen.code) and "pyscipopt" in chosen.code
    ):
        return ResponseFormat.RESOCRATIC, scenario.body.strip() if scenario and scenario.body.strip() else None
    if (
        chosen is not None
        and _JSON_DATA_FILE.search(chosen.code)
        and "json" in chosen.code
        and "gurobipy" in chosen.code
    ):
        return ResponseFormat.OPTIMUS, None
    if chosen is None:
        return ResponseFormat.NONE, None
    if chosen.where == "bare" or (chosen.where == "think" and chosen.fence is None):
        return ResponseFormat.BARE, None
    return ResponseFormat.FENCED, None


def _may_have_parts(body: str) -> bool:
    """Cheap test before looking for formulation headings line by line (a block can be megabytes of junk)."""
    lower = body.lower()
    return "objective" in lower and "variable" in lower and ("constraint" in lower or "subject to" in lower)


def _section_after(scan: _Scan, title: str, *, stop_titles: tuple[str, ...]) -> str | None:
    """The text under the first heading that starts with ``title``.

    It ends at the next heading naming one of ``stop_titles``, or at the same or a higher level that is not a
    formulation part (so ``### Formulation`` followed by ``### Sets`` still works), or at the first code block.
    """
    head = next((h for h in scan.headings if h.title.startswith(title)), None)
    if head is None:
        return None
    stop = len(scan.text)
    for h in scan.headings:
        if h.start <= head.start:
            continue
        if any(h.title.startswith(s) for s in stop_titles) or (h.level <= head.level and _label_key(h.title) is None):
            stop = h.start
            break
    for fence in scan.fences:
        if head.start < fence.start < stop and fence.language is not None:
            stop = fence.start
            break
    text = scan.text[head.end : stop].strip()
    return text or None


def _optimus_state(text: str) -> ParsedResponse | None:
    """An OptiMUS JSON state file (ANCHORS §6.1): the formulation assembled from its parts."""
    stripped = text.strip()
    if not stripped.startswith("{") or not stripped.endswith("}"):
        return None
    try:
        state = json.loads(stripped)
    except (ValueError, RecursionError):
        return None
    if not isinstance(state, dict) or not ({"constraints", "objective"} & state.keys()):
        return None
    if not ({"parameters", "variables", "constraints"} & state.keys()):
        return None
    parts: list[str] = []
    for key, title in (("parameters", "Parameters"), ("variables", "Decision variables")):
        items = state.get(key)
        if isinstance(items, Mapping) and items:
            lines = [f"### {title}"]
            for symbol, spec in items.items():
                if isinstance(spec, Mapping):
                    detail = ", ".join(
                        f"{field}: {spec[field]}" for field in ("definition", "shape", "type") if field in spec
                    )
                    lines.append(f"- {symbol}: {detail}" if detail else f"- {symbol}")
                else:
                    lines.append(f"- {symbol}: {spec}")
            parts.append("\n".join(lines))
    objective = state.get("objective")
    if objective:
        parts.append("### Objective\n" + _optimus_item(objective))
    constraints = state.get("constraints")
    if isinstance(constraints, list) and constraints:
        parts.append("### Constraints\n" + "\n".join(f"- {_optimus_item(c)}" for c in constraints))
    code = next((state[k] for k in ("code", "program") if isinstance(state.get(k), str) and state[k].strip()), None)
    warnings = (
        () if code else ("OptiMUS state holds per-constraint snippets only; the program is the assembled code.py",)
    )
    return ParsedResponse(
        None, "\n\n".join(parts) or None, code, "python" if code else None, ResponseFormat.OPTIMUS, warnings
    )


def _optimus_item(item: object) -> str:
    if isinstance(item, Mapping):
        description = str(item.get("description", "")).strip()
        formulation = str(item.get("formulation", "")).strip()
        return f"{description} — {formulation}" if description and formulation else description or formulation
    return str(item)


def fence_for(text: str) -> str:
    """A backtick fence longer than any backtick run inside ``text``, so the block cannot close early."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    return "`" * max(3, longest + 1)


_BACKTICKS = re.compile(r"`{3,}")
