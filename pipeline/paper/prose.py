"""A bounded, read-only sandbox for the Jinja text of the paper: the officer's prose and the skeleton.

Prose files are written by officers, and the prose folder may be shared or edited by many people, so
their text is treated as untrusted code:

- it runs in Jinja's immutable sandbox (no underscore attributes, no mutating methods on lists and
  dicts) and sees deep read-only copies of the settings, so it can never change what the rest of the
  build reads (a page title, a vocabulary);
- it cannot reach files: prose has no template loader (no include, import or extends), paths and
  bytes are out of reach, and the composer only ever reads files in the edition's prose folder;
- it is bounded: every loop step, call, operator and output charges a budget of time and characters,
  and operations that would build a huge value in one step ("x" * 3000000000, 10 ** 10 ** 10,
  "x"|center(10**9), "{:>999999999}".format(1)) are refused before they run;
- no value it builds can be large: every list, tuple or dict it writes, and every result of an operator,
  call or filter, is weighed (its items counted through every level, so [[0]*100000]*2000 weighs
  200 million, not 2,000) and refused above prose_characters. A C builtin (str(), ==, sorted, hashing)
  therefore never runs on more than that, and `sum` of lists or texts, quadratic in Python, is done in
  one linear pass.

Why bounded by construction, not by a separate process with a hard CPU and memory limit: the limits of
`resource.setrlimit` do not exist on Windows, where officers build the paper, and a second process per
prose file would cost a Python start-up on every build there and have to proxy the helpers prose calls
(figure(), lines(), total()) back into the composer. Bounding the size of every value the text can make
works the same on every system: the clock is checked at every step, and no one step can run long.

Every mistake is reported as an InputError naming the file and line, never as a traceback.
"""

from __future__ import annotations

import difflib
import re
import sys
import time
import traceback
import weakref
from dataclasses import dataclass
from decimal import Decimal
from functools import wraps
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any, Callable, Iterable, Iterator

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes, pass_environment
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace

from ..problems import InputError, Problem

# Work is charged in characters; intermediate values (strings built and thrown away) may add up to
# this many times the output limit before the text is stopped.
WORK_FACTOR = 20
# Above these an integer operation takes noticeable time in one step (Python integers are unbounded).
_MAX_INT_BITS = 100_000
_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")
_FORMAT_WIDTH = re.compile(r"\d{6,}")
# Growing str methods whose result size is fixed by an integer argument.
_WIDTH_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
# Filters whose integer arguments size the result.
_SIZING_FILTERS = frozenset({"batch", "center", "indent", "slice", "truncate", "wordwrap"})
# Attributes never reachable from the text: data frames open the file system, and so on.
_BLOCKED_ATTRIBUTES = frozenset({"frame"})


class ProseStop(Exception):
    """Raised inside a render when a limit is passed or the text asks for something refused."""


@dataclass(frozen=True)
class Bounds:
    seconds: float
    characters: int


class _Run:
    """The budget of one render."""

    def __init__(self, bounds: Bounds, name: str):
        self.bounds, self.name = bounds, name
        self.deadline = time.monotonic() + bounds.seconds
        self.work_left = bounds.characters * WORK_FACTOR
        self.output = 0


def _static_size(body: Iterable[nodes.Node]) -> int:
    """Characters of literal text in a body, not counting nested loops and macros (charged on their own)."""
    total = 0
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.TemplateData):
            total += len(node.data)
        elif isinstance(node, (nodes.For, nodes.Macro, nodes.CallBlock)):
            continue
        else:
            stack.extend(node.iter_child_nodes())
    return total


class _Generator(CodeGenerator):
    """Routes `a ~ b` through the environment, so joining strings is bounded like `a + b`; weighs every
    list, tuple and dict the text writes, and every operand of a comparison (== and `in` walk values in C)."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")

    def visit_List(self, node: nodes.List, frame: Frame) -> None:
        self.write("environment.built(")
        super().visit_List(node, frame)
        self.write(")")

    def visit_Tuple(self, node: nodes.Tuple, frame: Frame) -> None:
        if node.ctx != "load":  # a loop's or set's targets: names, not a value
            return super().visit_Tuple(node, frame)
        self.write("environment.built(")
        super().visit_Tuple(node, frame)
        self.write(")")

    def visit_Dict(self, node: nodes.Dict, frame: Frame) -> None:
        self.write("environment.built(")
        super().visit_Dict(node, frame)
        self.write(")")

    def visit_Compare(self, node: nodes.Compare, frame: Frame) -> None:
        self.write("(environment.compared(")
        self.visit(node.expr, frame)
        self.write(")")
        for op in node.ops:
            self.visit(op, frame)
        self.write(")")

    def visit_Operand(self, node: nodes.Operand, frame: Frame) -> None:
        from jinja2.compiler import operators

        self.write(f" {operators[node.op]} environment.compared(")
        self.visit(node.expr, frame)
        self.write(")")


# Deeper than this, a value is refused rather than weighed (Python's own repr stops near 1,000).
_MAX_DEPTH = 200


class _BoundedNamespace(Namespace):
    """namespace() whose attributes are weighed when set, like every other value the text builds."""

    def __setitem__(self, name: str, value: Any) -> None:
        env = _WEIGHING.get(id(self))
        if env is not None:
            env.weighed(value)
        super().__setitem__(name, value)


class Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox with every way to do unbounded work in one step closed off."""

    code_generator_class = _Generator
    intercepted_binops = frozenset({"*", "**", "+", "%", "//"})

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.globals.pop("lipsum", None)  # generates text of any size; a paper never needs it
        self.globals["_bounded_loop"] = self.bounded_loop
        self.globals["namespace"] = self.namespace
        self.filters["sum"] = _linear_sum
        self.filters = {name: self._bounded_filter(name, f) for name, f in self.filters.items()}
        self.run: _Run | None = None
        self.macro_sizes: dict[str, int] = {}
        self.weights: dict[int, tuple[Any, int]] = {}  # id -> (the value, kept alive so ids stay unique; its weight)

    # --- the weight of values ----------------------------------------------------------------
    def namespace(self, *args: Any, **kwargs: Any) -> Namespace:
        ns = _BoundedNamespace(*args, **kwargs)
        _WEIGHING[id(ns)] = self
        self.weighed(ns)
        return ns

    def weigh(self, value: Any, depth: int = 0) -> int:
        """Items and characters in `value`, counted through every level as often as they appear (what
        printing or comparing it walks). Values that cannot change are weighed once per render."""
        if isinstance(value, str):
            return max(len(value), 1)
        if not isinstance(value, (list, tuple, dict, MappingProxyType, set, frozenset, Namespace)):
            return 1
        known = self.weights.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        if depth > _MAX_DEPTH:
            raise ProseStop(f"this value is nested more than {_MAX_DEPTH} levels deep; simplify it")
        limit = self.limit()
        if isinstance(value, Namespace):
            items: Iterable[Any] = tuple(object.__getattribute__(value, "_Namespace__attrs").values())
        elif isinstance(value, (dict, MappingProxyType)):
            items = (v for pair in value.items() for v in pair)
        else:
            items = value
        total = 1
        for item in items:
            total += self.weigh(item, depth + 1)
            if total > limit:
                raise ProseStop(f"this value would hold {total:,} or more characters or items through its "
                                f"lists, more than the {limit:,} allowed (prose_characters under [limits])")
        if isinstance(value, Namespace):
            self.charge(total)  # changes after it is made, so weighed afresh each time: charged as work
        else:
            self.weights[id(value)] = (value, total)
        return total

    def weighed(self, value: Any) -> Any:
        """`value`, once it is known to be within the limit."""
        self.tick()
        self.weigh(value)
        return value

    def compared(self, value: Any) -> Any:
        """An operand of == or `in`: comparing walks it, so its weight is charged as work."""
        self.tick()
        self.charge(self.weigh(value))
        return value

    def built(self, value: Any) -> Any:
        """A list, tuple or dict the text writes: weighed, and its items charged as work."""
        self.weighed(value)
        self.charge(len(value))
        return value

    # --- the budget ------------------------------------------------------------------------
    def tick(self) -> None:
        run = self.run
        if run is not None and time.monotonic() > run.deadline:
            raise ProseStop(f"this text took longer than {run.bounds.seconds:g} s to work out (a loop that never "
                            "ends?); simplify it, or raise prose_seconds under [limits] in data/config.toml")

    def charge(self, size: int) -> None:
        run = self.run
        if run is None:
            return
        self.tick()
        run.work_left -= size
        if run.work_left < 0:
            raise ProseStop(f"this text builds more than {run.bounds.characters * WORK_FACTOR:,} characters while "
                            "it is worked out (a loop or repetition that runs away?); simplify it, or raise "
                            "prose_characters under [limits] in data/config.toml")

    def limit(self) -> int:
        """The largest single value (characters or items) one step may build."""
        return self.run.bounds.characters if self.run is not None else 10_000_000

    def _too_big(self, size: int, what: str) -> None:
        if size > self.limit():
            raise ProseStop(f"{what} would make {size:,} characters or items, more than the {self.limit():,} allowed")

    # --- hooks Jinja calls -----------------------------------------------------------------
    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            # Each step of a loop charges its literal text and checks the clock.
            loop.iter = nodes.Call(nodes.Name("_bounded_loop", "load", lineno=loop.lineno),
                                   [loop.iter, nodes.Const(_static_size(loop.body), lineno=loop.lineno)],
                                   [], None, None, lineno=loop.lineno)
        for macro in tree.find_all(nodes.Macro):
            self.macro_sizes[macro.name] = _static_size(macro.body)
        return tree

    def bounded_loop(self, iterable: Any, static: int) -> Iterator[Any]:
        for item in iterable:
            self.charge(static + 1)
            yield item

    def bounded_join(self, parts: tuple[Any, ...]) -> str:
        texts = [str(p) for p in parts]
        size = sum(len(t) for t in texts)
        self._too_big(size, "joining these texts with ~")
        self.charge(size)
        return "".join(texts)

    def finalize_output(self, text: str) -> str:
        run = self.run
        if run is not None:
            run.output += len(text)
            if run.output > run.bounds.characters:
                raise ProseStop(f"this text produces more than {run.bounds.characters:,} characters; shorten it, "
                                "or raise prose_characters under [limits] in data/config.toml")
            self.charge(len(text))
        return text

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        self.tick()
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                    self._too_big(len(seq) * max(n, 0), "this repetition (*)")
                    if not isinstance(seq, str):  # a list of lists repeats everything inside it
                        self._too_big(self.weigh(seq) * max(n, 0), "this repetition (*)")
            if isinstance(left, int) and isinstance(right, int) and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise ProseStop("this multiplication gives a number too large to work with")
        elif operator == "**":
            self._check_power(left, right)
        elif operator == "+":
            if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
                self._too_big(len(left) + len(right), "joining these with +")
        elif operator == "%" and isinstance(left, str):
            self._check_printf(left)
        result = self.binop_table[operator](left, right)
        if isinstance(result, (str, list, tuple)):
            self.weigh(result)
            self.charge(len(result))
        return result

    def _check_power(self, base: Any, exponent: Any) -> None:
        if isinstance(exponent, (int, Decimal, float)) and not isinstance(exponent, bool):
            try:
                size = abs(float(exponent)) * max(abs(int(base)).bit_length(), 1) if isinstance(base, (int, Decimal)) else 0
            except (OverflowError, ValueError, TypeError):
                size = float("inf")
            if size > _MAX_INT_BITS:
                raise ProseStop("this power (**) gives a number too large to work with")

    def _check_printf(self, fmt: str) -> None:
        for m in _PRINTF_FIELD.finditer(fmt):
            for part in m.groups():
                if part == "*" or (part and int(part) > 1000):
                    raise ProseStop(f"the format {m.group(0)!r} asks for a width or precision over 1,000")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 - Jinja's signature
        __self.tick()
        name = getattr(__obj, "__name__", "")
        owner = getattr(__obj, "__self__", None)
        wrapped = getattr(__obj, "__wrapped__", None)
        if wrapped is not None and name in ("format", "format_map") and isinstance(getattr(wrapped, "__self__", None), str):
            spec = wrapped.__self__
            if _FORMAT_WIDTH.search(spec) or re.search(r":[^{}]*\{", spec):
                raise ProseStop("this format asks for a width over 99,999, or takes its width from a value")
        if isinstance(owner, str):
            __self._check_str_method(owner, name, args, kwargs)
        if name in __self.macro_sizes and type(__obj).__name__ == "Macro":
            __self.charge(__self.macro_sizes[name])
        result = __context.call(__obj, *args, **kwargs)
        if isinstance(result, (str, list, tuple, dict)):
            __self._too_big(len(result), f"{name or 'this call'}()")
            __self.weigh(result)
            __self.charge(len(result))
        return result

    def _check_str_method(self, text: str, name: str, args: tuple, kwargs: dict) -> None:
        numbers = [a for a in (*args, *kwargs.values()) if isinstance(a, int)]
        if name in _WIDTH_METHODS:
            self._too_big(max(numbers, default=0), f"{name}()")
        elif name == "expandtabs":
            self._too_big(len(text) + text.count("\t") * max(numbers, default=8), "expandtabs()")
        elif name == "replace" and len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
            old, new = args[0], args[1]
            grows = (len(text) + 1) * len(new) if not old else (len(text) // len(old)) * max(len(new) - len(old), 0)
            self._too_big(len(text) + grows, "replace()")
        elif name == "join" and args:
            items = args[0]
            if isinstance(items, (list, tuple)):
                self._too_big(sum(len(i) if isinstance(i, str) else 0 for i in items) + len(text) * len(items), "join()")
            else:
                raise ProseStop("join() needs a list here; add |list before it")

    def _bounded_filter(self, name: str, f: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(f)
        def bounded(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            values = [a for a in args if not _is_context(a)]
            if name in _SIZING_FILTERS:
                for n in (*values[1:], *kwargs.values()):
                    if isinstance(n, int) and not isinstance(n, bool):
                        self._too_big(n, f"the filter |{name}")
            if name == "format" and values and isinstance(values[0], str):
                self._check_printf(values[0])
            if name == "join" and values:
                items = list(values[0]) if not isinstance(values[0], str) else list(values[0])
                sep = values[1] if len(values) > 1 and isinstance(values[1], str) else kwargs.get("d", "")
                sep = sep if isinstance(sep, str) else ""
                self._too_big(sum(len(str(i)) for i in items[:self.limit() + 1]) + len(sep) * len(items), "the filter |join")
                args = tuple(items if a is values[0] else a for a in args)
            if name == "replace" and len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
                text, old, new = (str(v) for v in values[:3])
                grows = (len(text) + 1) * len(new) if not old else (len(text) // len(old)) * max(len(new) - len(old), 0)
                self._too_big(len(text) + grows, "the filter |replace")
            if name == "indent" and values:
                width = values[1] if len(values) > 1 else kwargs.get("width", 4)
                step = len(width) if isinstance(width, str) else width if isinstance(width, int) else 4
                self._too_big(len(str(values[0])) + (str(values[0]).count("\n") + 1) * step, "the filter |indent")
            if name == "wordwrap" and values:
                wrap = kwargs.get("wrapstring") or (values[4] if len(values) > 4 else None) or "\n"
                self._too_big(len(str(values[0])) * (1 + len(str(wrap))), "the filter |wordwrap")
            result = f(*args, **kwargs)
            if isinstance(result, (str, list, tuple, dict)):
                self._too_big(len(result), f"the filter |{name}")
                self.weigh(result)
                self.charge(len(result))
            return result

        return bounded

    def call_test(self, name: str, value: Any, args: Any = None, kwargs: Any = None, context: Any = None,
                  eval_ctx: Any = None) -> Any:
        self.weighed(value)
        return super().call_test(name, value, args, kwargs, context, eval_ctx)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.tick()
        result = super().getitem(obj, argument)
        if isinstance(argument, slice) and isinstance(result, (str, list, tuple)):
            self.charge(len(result))  # a slice is a copy
        return result

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, (bytes, bytearray, memoryview, PurePath)) or isinstance(value, (bytes, bytearray, PurePath)):
            return False  # bytes have their own growing methods; paths reach the file system
        if attr in _BLOCKED_ATTRIBUTES or attr in ("encode",):
            return False
        return super().is_safe_attribute(obj, attr, value)


# Which sandbox weighs each namespace the text made (a namespace is set outside any sandbox hook).
_WEIGHING: "weakref.WeakValueDictionary[int, Sandbox]" = weakref.WeakValueDictionary()


@pass_environment
def _linear_sum(environment: Any, iterable: Any, attribute: Any = None, start: Any = 0) -> Any:
    """|sum: numbers as Jinja adds them; texts, lists or tuples (sum(start=[])) joined in one pass, where
    Python's sum copies the growing result at every step (quadratic, and inside C where no clock is read)."""
    from jinja2.filters import make_attrgetter

    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    if not isinstance(start, (str, list, tuple)):
        return sum(iterable, start)
    parts = [start]
    size = len(start)
    for item in iterable:
        if type(item) is not type(start) and not (isinstance(start, str) and isinstance(item, str)):
            raise ProseStop(f"sum() can add a {type(item).__name__} to a {type(start).__name__} only if both are "
                            "the same kind of value")
        size += len(item)
        if isinstance(environment, Sandbox):
            environment._too_big(size, "sum()")
        parts.append(item)
    if isinstance(start, str):
        return "".join(parts)
    joined = [x for part in parts for x in part]
    return joined if isinstance(start, list) else tuple(joined)


def _is_context(value: Any) -> bool:
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(value, (Context, EvalContext, Sandbox))


def environment(loader: Any = None, finalize: Callable[[Any], str] | None = None) -> Sandbox:
    """A sandbox; the skeleton's has a loader for templates/, the prose's has none."""
    env: Sandbox

    def _final(value: Any) -> str:
        text = finalize(value) if finalize else ("" if value is None else str(value))
        return env.finalize_output(text)

    env = Sandbox(loader=loader, undefined=StrictUndefined, finalize=_final, autoescape=False, trim_blocks=True,
                  lstrip_blocks=True, keep_trailing_newline=True)
    return env


# --- read-only copies ------------------------------------------------------------------------

def freeze(value: Any) -> Any:
    """A deep read-only copy: dicts become mapping proxies, lists tuples."""
    if isinstance(value, (dict, MappingProxyType)):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, set):
        return frozenset(freeze(v) for v in value)
    return value


# --- where in the text -----------------------------------------------------------------------

def current_place() -> tuple[str, int] | None:
    """The template file and line being run, for a helper called from template code."""
    frame = sys._getframe(1)
    while frame is not None:
        template = frame.f_globals.get("__jinja_template__")
        if template is not None:
            return template.filename or template.name or "<text>", template.get_corresponding_lineno(frame.f_lineno)
        frame = frame.f_back
    return None


def _line_of(exc: BaseException, name: str) -> int | None:
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == name]
    return lines[-1] if lines else None


def at(name: str, line: int | None, message: str) -> Problem:
    return Problem(f"{name}, line {line}" if line else name, None, None, "", message)


# --- rendering -------------------------------------------------------------------------------

def unknown_names(env: Sandbox, source: str, name: str, known: Iterable[str]) -> list[Problem]:
    """Every name the text uses that is neither defined in it nor offered to it, with its line."""
    try:
        tree = env.parse(source, filename=name)
    except TemplateSyntaxError:
        return []  # reported with its line by render()
    known = set(known) | set(env.globals)
    # A name the text itself assigns somewhere (set, for, macro arguments) is never a typo; Jinja's own
    # analysis reports such a name when it is assigned in one branch of an if and read in another.
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    problems = []
    for missing in sorted(meta.find_undeclared_variables(tree) - known - assigned):
        if missing == "_bounded_loop":
            continue
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == missing), None)
        close = difflib.get_close_matches(missing, sorted(known - {"_bounded_loop"}), n=1, cutoff=0.6)
        hint = f'; did you mean "{close[0]}"?' if close else "; check the spelling of the name inside {{ }}"
        problems.append(at(name, line, f"'{missing}' is undefined: it is not a name the paper knows{hint}"))
    return problems


def render(env: Sandbox, source: str, name: str, values: dict[str, Any], bounds: Bounds | None = None) -> str:
    """Render text, turning every mistake or passed limit into a Problem naming the file and line."""
    previous, weights = env.run, env.weights
    env.run = _Run(bounds, name) if bounds else None
    env.weights = {}
    try:
        template = env.template_class.from_code(env, env.compile(source, name=name, filename=name),
                                                env.make_globals(None), None)
        return template.render(values)
    except InputError:
        raise
    except TemplateSyntaxError as exc:
        raise InputError([at(name, exc.lineno, f"the template text is not valid ({exc.message}); "
                                               "check the {{ }} and {% %} markers")]) from None
    except UndefinedError as exc:
        message = exc.message or "a name is undefined"
        changing = re.search(r"has no attribute '(update|pop|popitem|setdefault|clear|append|extend|insert|remove|"
                             r"sort|reverse|add|discard)'", message)
        if changing:
            message += " (the paper's settings and lists are read-only here: text cannot change them)"
        else:
            message += "; check the spelling of the name inside {{ }}"
        raise InputError([at(name, _line_of(exc, name), message)]) from None
    except ProseStop as exc:
        raise InputError([at(name, _line_of(exc, name), str(exc))]) from None
    except SecurityError as exc:
        raise InputError([at(name, _line_of(exc, name), f"this is not allowed in the paper's text ({exc})")]) from None
    except TemplateNotFound as exc:
        raise InputError([at(name, _line_of(exc, name), f"prose cannot include other files ({exc.name}); "
                                                        "write the text here instead")]) from None
    except RecursionError as exc:
        raise InputError([at(name, _line_of(exc, name), "this text calls itself without end (a macro that calls itself?)")]) from None
    except MemoryError as exc:
        raise InputError([at(name, _line_of(exc, name), "this text needs more memory than the computer has; simplify it")]) from None
    except Exception as exc:  # anything else a value can raise: reported with its line, never a traceback
        line = _line_of(exc, name)
        if isinstance(exc, TypeError) and "no loader" in str(exc):
            raise InputError([at(name, line, "prose cannot include, import or extend other files; "
                                             "write the text here instead")]) from None
        raise InputError([at(name, line, f"a value could not be worked out ({exc})")]) from None
    finally:
        env.run, env.weights = previous, weights


def decode(data: bytes, name: str) -> str:
    """Text of a prose file saved as UTF-8; anything else is refused with the line of the first odd byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        guess = " (it looks saved as Windows-1252, 'ANSI')" if _reads_as_cp1252(data) else ""
        raise InputError([at(name, line, f"this file is not saved as UTF-8 text{guess}: byte 0x{data[exc.start]:02x} "
                                         "is not UTF-8; open it in a text editor and save it with the UTF-8 encoding")]) from None


def _reads_as_cp1252(data: bytes) -> bool:
    try:
        data.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


from .prose_files import PROSE_NAME  # noqa: E402 - the one definition, shared with the build's fingerprint


def prose_path(folder: Path, name: str) -> Path | None:
    """The file data/<year>/prose/<name>.md, only ever inside that folder (no '..', no links out)."""
    if not isinstance(name, str) or not PROSE_NAME.match(name):
        return None
    path = folder / f"{name}.md"
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            return None
    except OSError:
        return None
    return path
