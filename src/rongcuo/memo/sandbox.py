"""The sandbox memo templates run in, with budgets: time, output size, call depth.

Policy staff write templates, and a template is a program: ``{{ 'x' * 10**9 }}``,
``range(10**9)``, a macro that calls itself or three nested loops over ``range(100000)`` would
exhaust memory, overflow the stack or run for hours. :class:`MemoSandbox` is Jinja's
:class:`~jinja2.sandbox.SandboxedEnvironment` (no Python internals) with limits checked where
template code touches data:

- every call, attribute and item lookup, intercepted operator and **every iteration of every
  ``{% for %}``** (each loop's iterable is wrapped when the template is parsed) checks the
  wall-clock deadline, so nested loops stop within the time budget, on the thread that renders
  (no timer thread, no signal);
- ``*``, ``+``, ``**`` and ``%`` refuse, before computing, a string or list longer than the output
  budget, an integer of more than :data:`MAX_INT_BITS` bits or a format width above the range cap;
  ``range()`` refuses more than ``range_items`` items; filters that allocate by a count
  (``center``, ``indent``, ``batch``, ``slice``, ``tojson``, ``format``) are capped alike;
- text a template produces, in a macro or a call block or the document itself, is measured
  against the output budget as it is produced;
- the process's peak memory may not grow by more than ``memory_mib`` while a template renders
  (checked every :data:`_MEMORY_EVERY` ticks), which catches a loop that piles up output
  inside a macro faster than the clock can stop it;
- calls nest at most ``depth`` deep (a macro that calls itself stops with a located error
  long before Python's recursion limit).

An overrun raises :class:`BudgetError`, a Jinja runtime error, so it reaches the caller with the
template line that was running. The figures are in :class:`RenderBudget`; the environment
variables ``RONGCUO_RENDER_SECONDS``, ``RONGCUO_RENDER_CHARS`` and ``RONGCUO_RENDER_MEMORY_MIB``
change them without code (see docs/memo.md).
"""

from __future__ import annotations

import functools
import math
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context, Macro
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import _PassArg, pass_context

from rongcuo.memo.context import cn_numeral

try:  # the memory guard needs getrusage (Linux, macOS); elsewhere only time and size apply
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

#: Integers beyond this many bits are refused (``10**10**8`` takes minutes and gigabytes).
#: 14,000 bits is about 4,200 decimal digits, just under the 4,300 digits Python itself will
#: print (``sys.int_info.default_max_str_digits``); no memo needs a larger number.
MAX_INT_BITS = 14_000
#: Ticks between two peak-memory checks: getrusage costs a few microseconds, a tick a tenth of
#: one; between two checks a template can allocate at most a few times the output budget.
_MEMORY_EVERY = 32
#: The name the loop guard is registered under: a space makes it unreachable from template text.
_LOOP_FILTER = "rongcuo loop"
#: Filters whose extra integer arguments size what they allocate (a width, a count of rows).
_SIZED_FILTERS = frozenset({"center", "indent", "batch", "slice", "tojson", "wordwrap"})
#: str methods whose integer arguments size what they allocate.
_SIZED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_PERCENT_WIDTH = re.compile(r"%[-+ #0]*(\d+|\*)?(?:\.(\d+|\*))?")
_BRACE_WIDTH = re.compile(r"\{[^{}]*:[^{}\d]*(\d+)?(?:[,_])?(?:\.(\d+))?")


@dataclass(frozen=True)
class RenderBudget:
    """What one memo may cost to render. The defaults are generous for the bundled memos.

    - ``seconds`` (10): wall-clock time for the template (not for WeasyPrint's printing, which
      cannot be interrupted; it is bounded through the size of the HTML it gets). The bundled
      memos render in well under a second on a loaded machine.
    - ``chars`` (2,000,000): the text a template may produce, and the longest string or list it
      may build. The longest bundled memo (a case with every fact missing) is about 40,000
      characters; two million is some 3,000 printed pages.
    - ``range_items`` (100,000): the longest ``range()`` and the largest width or count given to
      a filter or str method; Jinja's own sandbox uses the same cap for ``range``.
    - ``depth`` (50): calls nested in calls (macros, call blocks). The bundled templates nest
      fewer than ten deep; each level costs Python about seven frames, so 50 stays well inside
      Python's recursion limit of 1,000 whatever the caller's own depth.
    - ``memory_mib`` (1024): growth of the process's peak memory while a template renders.
    """

    seconds: float = 10.0
    chars: int = 2_000_000
    range_items: int = 100_000
    depth: int = 50
    memory_mib: int = 1024

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> RenderBudget:
        """The defaults, changed by ``RONGCUO_RENDER_SECONDS``, ``RONGCUO_RENDER_CHARS`` and
        ``RONGCUO_RENDER_MEMORY_MIB`` where set. Raises :class:`ValueError` naming the variable
        when one is not a positive number."""
        env = os.environ if environ is None else environ
        found: dict[str, Any] = {}
        for var, field, kind in (
            ("RONGCUO_RENDER_SECONDS", "seconds", float),
            ("RONGCUO_RENDER_CHARS", "chars", int),
            ("RONGCUO_RENDER_MEMORY_MIB", "memory_mib", int),
        ):
            text = env.get(var, "").strip()
            if not text:
                continue
            try:
                value = kind(text)
            except ValueError:
                value = 0
            if not (value > 0 and math.isfinite(value)):
                raise ValueError(var, text)
            found[field] = value
        return cls(**found)


class BudgetError(jinja2.TemplateRuntimeError):
    """A template overran a budget or was refused by a cap; carries its diagnostic's text."""

    def __init__(self, code: str, zh: str, en: str, hint: str) -> None:
        super().__init__(en)
        self.code, self.zh, self.en, self.hint = code, zh, en, hint


def _too_big(what_zh: str, what_en: str, limit: int, setting: str = "") -> BudgetError:
    hint = "模板不应生成这样大的内容；检查循环和重复 a memo never needs this: check loops and repetition"
    if setting:
        hint += f"；确有需要时设置环境变量 {setting} raise {setting} if it really is needed"
    return BudgetError(
        "RC414",
        f"模板生成的内容超出限额：{what_zh}（上限 {limit:,}）",
        f"the template exceeds its size budget: {what_en} (limit {limit:,})",
        hint,
    )


class BudgetTemplate(jinja2.Template):
    """A template whose :meth:`render` measures the text as the template produces it."""

    environment: MemoSandbox

    def render(self, *args: Any, **kwargs: Any) -> str:
        """Render like Jinja, stopping once the text passes the output budget. The error is
        thrown into the template at the statement producing the text, so it carries that
        template line (Jinja rewrites the traceback to template lines as it leaves)."""
        limit = self.environment.budget.chars
        out: list[str] = []
        size = 0
        stream = cast(Generator[str, None, None], self.generate(*args, **kwargs))
        for chunk in stream:
            size += len(chunk)
            if size > limit:
                stream.throw(
                    _too_big("生成的文字", "the text produced", limit, "RONGCUO_RENDER_CHARS")
                )
            out.append(chunk)
        return "".join(out)


class _State(threading.local):
    """The budget of the render running on this thread (none outside a render)."""

    deadline = math.inf
    depth = 0
    ticks = 0
    rss_limit = math.inf


def _peak_rss() -> float:
    """The process's peak resident memory in bytes (getrusage's unit is KiB on Linux)."""
    if resource is None:  # pragma: no cover - Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak if sys.platform == "darwin" else peak * 1024)


class MemoSandbox(SandboxedEnvironment):
    """Jinja's sandbox with the budgets of :class:`RenderBudget` (see the module docstring).

    Call :meth:`budgeted` around a render; outside it only the caps (sizes, depth) apply.
    It also provides the ``cn_numeral`` filter (1 → 一, 21 → 二十一) the bundled memos number
    their items with.
    """

    intercepted_binops = frozenset({"*", "+", "**", "%"})
    template_class = BudgetTemplate

    def __init__(self, budget: RenderBudget, **options: Any) -> None:
        super().__init__(**options)
        self.budget = budget
        self._state = _State()
        self.globals["range"] = self._range
        # A placeholder-text generator has no place in a memo, and its size is unbounded.
        self.globals.pop("lipsum", None)
        self.filters = {name: self._guard_filter(name, f) for name, f in self.filters.items()}
        self.filters["cn_numeral"] = cn_numeral
        self.filters[_LOOP_FILTER] = self._loop_filter()

    # --- the render's budget ----------------------------------------------------------

    def budgeted(self) -> _Budgeted:
        """A context manager: the time and memory budgets run from entry to exit."""
        return _Budgeted(self)

    def tick(self) -> None:
        """Raise :class:`BudgetError` once the render's time or memory budget is spent."""
        state = self._state
        if time.monotonic() > state.deadline:
            raise BudgetError(
                "RC413",
                f"模板渲染超出时限（{self.budget.seconds:g} 秒）",
                f"the template ran past its time budget ({self.budget.seconds:g} s)",
                "检查嵌套循环是否过大 check for large nested loops; 确有需要时设置环境变量 "
                "RONGCUO_RENDER_SECONDS raise RONGCUO_RENDER_SECONDS if it really is needed",
            )
        state.ticks += 1
        if state.ticks % _MEMORY_EVERY == 0 and _peak_rss() > state.rss_limit:
            raise _too_big(
                "渲染占用的内存",
                "memory used while rendering",
                self.budget.memory_mib,
                "RONGCUO_RENDER_MEMORY_MIB",
            )

    def check_size(self, value: object) -> object:
        """``value``, or :class:`BudgetError` when it is a string or list over the budget."""
        if isinstance(value, (str, list, tuple)) and len(value) > self.budget.chars:
            raise _too_big(
                f"长度 {len(value):,} 的{'文字' if isinstance(value, str) else '列表'}",
                f"a {'string' if isinstance(value, str) else 'list'} of {len(value):,} items",
                self.budget.chars,
                "RONGCUO_RENDER_CHARS",
            )
        return value

    def _check_count(self, n: object, what: str) -> None:
        if isinstance(n, int) and abs(n) > self.budget.range_items:
            raise _too_big(f"{what} {n:,}", f"{what} {n:,}", self.budget.range_items)

    # --- the hooks Jinja calls --------------------------------------------------------

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse, then wrap each ``for`` loop's iterable so every iteration checks the clock."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            guard = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None)
            guard.set_lineno(loop.iter.lineno)
            guard.set_environment(self)
            loop.iter = guard
        return tree

    def _loop_filter(self) -> Callable[..., Iterator[Any]]:
        # pass_context keeps Jinja from running the guard at compile time on a constant list
        @pass_context
        def guard(context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
            self.check_size(iterable)
            for item in iterable:
                self.tick()
                yield item

        return guard

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.tick()
        return self.check_size(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.tick()
        return self.check_size(super().getitem(obj, argument))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self.tick()
        if getattr(__obj, "__name__", "") in _SIZED_METHODS and isinstance(
            getattr(__obj, "__self__", None), str
        ):
            for n in (*args, *kwargs.values()):
                __self._check_count(n, "宽度 width")
        elif getattr(__obj, "__name__", "") == "replace" and isinstance(
            getattr(__obj, "__self__", None), str
        ):
            __self._check_replace(__obj.__self__, *args)
        state = __self._state
        if state.depth >= __self.budget.depth:
            name = __obj.name if isinstance(__obj, Macro) else getattr(__obj, "__name__", "")
            raise BudgetError(
                "RC415",
                f"模板调用嵌套超过 {__self.budget.depth} 层（{name}）：宏可能在调用自身",
                f"calls nest deeper than {__self.budget.depth} ({name}): "
                "a macro may be calling itself",
                "宏的递归必须有终止条件 a recursive macro needs a condition that ends it",
            )
        state.depth += 1
        try:
            result = super().call(__context, __obj, *args, **kwargs)
        finally:
            state.depth -= 1
        return __self.check_size(result)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if operator == "*":
            self._check_repeat(left, right)
            self._check_repeat(right, left)
            if _is_int(left) and _is_int(right):
                self._check_bits(abs(left).bit_length() + abs(right).bit_length())
        elif operator == "+":
            sequences = isinstance(left, (str, list, tuple)) and isinstance(
                right, (str, list, tuple)
            )
            if sequences and len(left) + len(right) > self.budget.chars:
                raise _too_big(
                    f"长度 {len(left) + len(right):,} 的拼接",
                    f"a concatenation of {len(left) + len(right):,} items",
                    self.budget.chars,
                    "RONGCUO_RENDER_CHARS",
                )
        elif operator == "**":
            if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
                self._check_bits(right * abs(left).bit_length())
        elif operator == "%" and isinstance(left, str):
            self._check_format(left, right)
        return self.check_size(super().call_binop(context, operator, left, right))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = str(value.__self__)

        def checked(*args: Any, **kwargs: Any) -> str:
            self._check_format(template, (*args, *kwargs.values()))
            return str(self.check_size(wrapped(*args, **kwargs)))

        return checked

    # --- the caps ---------------------------------------------------------------------

    def _range(self, *args: Any) -> range:
        try:
            items = range(*args)
            count = len(items)
        except OverflowError:
            count = self.budget.range_items + 1
        if count > self.budget.range_items:
            raise _too_big("range() 的项数", "range() items", self.budget.range_items)
        return items

    def _check_repeat(self, seq: Any, times: Any) -> None:
        if isinstance(seq, (str, list, tuple)) and _is_int(times) and len(seq) * times > 0:
            size = len(seq) * times
            if size > self.budget.chars:
                raise _too_big(
                    f"重复得到长度 {size:,} 的内容",
                    f"a repetition {size:,} items long",
                    self.budget.chars,
                    "RONGCUO_RENDER_CHARS",
                )

    def _check_bits(self, bits: int) -> None:
        if bits > MAX_INT_BITS:
            raise _too_big(
                f"约 {bits:,} 位的整数", f"an integer of about {bits:,} bits", MAX_INT_BITS
            )

    def _check_format(self, template: str, args: Any) -> None:
        """Refuse a format string whose widths or precisions are over the cap (``'%999999999s'``,
        ``'{:>999999999}'``), or that takes them from arguments over the cap (``'%*s'``)."""
        widths = [
            w
            for m in (*_PERCENT_WIDTH.finditer(template), *_BRACE_WIDTH.finditer(template))
            for w in m.groups()
            if w
        ]
        for w in widths:
            if w.isdigit():
                self._check_count(int(w), "格式宽度 format width")
        if "*" in widths or re.search(r"\{[^{}]*:[^{}]*\{", template):
            for n in args if isinstance(args, (tuple, list)) else (args,):
                self._check_count(n, "格式宽度 format width")

    def _check_replace(self, text: str, *args: Any) -> None:
        if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            old, new = args[0], args[1]
            hits = text.count(old) if old else len(text) + 1
            self._check_repeat(" ", len(text) + hits * max(len(new) - len(old), 0))

    def _guard_filter(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` with the clock checked, sizing arguments capped and its result measured."""
        skip = 1 if _PassArg.from_obj(func) is not None else 0  # the environment or context
        sized = name in _SIZED_FILTERS

        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            if sized:
                for n in (*args[skip + 1 :], *kwargs.values()):
                    self._check_count(n, f"{name} 的参数 argument")
            elif name == "format" and len(args) > skip:
                self._check_format(str(args[skip]), args[skip + 1 :] or tuple(kwargs.values()))
            elif name == "replace" and len(args) > skip + 2:
                self._check_replace(str(args[skip]), *args[skip + 1 : skip + 3])
            return self.check_size(func(*args, **kwargs))

        return guarded


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Budgeted:
    """Starts a render's clock and memory baseline; restores the previous ones on exit (a
    template rendered while another renders, as docxtpl does part by part, shares the budget)."""

    def __init__(self, env: MemoSandbox) -> None:
        self._env = env
        self._saved: tuple[float, int, int, float] | None = None

    def __enter__(self) -> None:
        state = self._env._state
        self._saved = (state.deadline, state.depth, state.ticks, state.rss_limit)
        if state.deadline == math.inf:  # the outermost render starts the clock
            budget = self._env.budget
            state.deadline = time.monotonic() + budget.seconds
            state.rss_limit = (
                _peak_rss() + budget.memory_mib * 1024 * 1024 if resource else math.inf
            )
            state.depth = state.ticks = 0

    def __exit__(self, *exc: object) -> None:
        assert self._saved is not None
        state = self._env._state
        state.deadline, state.depth, state.ticks, state.rss_limit = self._saved
