"""``tupledict``, ``tuplelist`` and ``multidict``: the indexed containers both APIs hand out.

``tupledict.sum('*', j)`` is called inside loops over ``j`` by most programs, so pattern look-ups go through an
index per set of fixed positions, built on first use and dropped when the dict changes: a loop of n such calls
costs O(n) overall instead of O(n^2).
"""

from __future__ import annotations

from typing import Any

from solvers.compat.expr import LinExpr, QuadExpr, is_number, quicksum

__all__ = ["multidict", "tupledict", "tuplelist"]

WILDCARD = "*"


def _key_tuple(key: Any) -> tuple[Any, ...]:
    return key if isinstance(key, tuple) else (key,)


def _is_wild(value: Any) -> bool:
    return isinstance(value, str) and value == WILDCARD


def _pattern(args: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(args) == 1 and isinstance(args[0], tuple):
        return args[0]
    return args


def _matches(value: Any, wanted: Any) -> bool:
    if _is_wild(wanted):
        return True
    if isinstance(wanted, list | set | frozenset):
        return value in wanted
    return bool(value == wanted)


class tupledict(dict[Any, Any]):  # noqa: N801 - the API's own name
    """A dict keyed by tuples, with wildcard ``select``/``sum``/``prod``."""

    __slots__ = ("_index", "__weakref__")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._index: dict[tuple[int, ...], dict[tuple[Any, ...], list[Any]]] = {}

    def __setitem__(self, key: Any, value: Any) -> None:
        self._index.clear()
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self._index.clear()
        super().__delitem__(key)

    def __getitem__(self, key: Any) -> Any:
        try:
            return super().__getitem__(key)
        except KeyError:
            if isinstance(key, tuple) and len(key) == 1:
                return super().__getitem__(key[0])
            raise

    def update(self, *args: Any, **kwargs: Any) -> None:
        """Update and drop the look-up indexes."""
        self._index.clear()
        super().update(*args, **kwargs)

    def clear(self) -> None:
        """Remove everything."""
        self._index.clear()
        super().clear()

    def _keys_matching(self, pattern: tuple[Any, ...]) -> list[Any]:
        if not pattern or all(_is_wild(p) for p in pattern):
            return list(self.keys())
        fixed = tuple(i for i, p in enumerate(pattern) if not _is_wild(p) and not isinstance(p, list | set))
        listed = [i for i, p in enumerate(pattern) if isinstance(p, list | set | frozenset)]
        if not fixed:
            return [k for k in self.keys() if _all_match(_key_tuple(k), pattern)]
        index = self._index.get(fixed)
        if index is None:
            index = {}
            for key in self.keys():
                tup = _key_tuple(key)
                if len(tup) != len(pattern):
                    continue
                index.setdefault(tuple(tup[i] for i in fixed), []).append(key)
            self._index[fixed] = index
        keys = index.get(tuple(pattern[i] for i in fixed), [])
        if listed:
            keys = [k for k in keys if all(_key_tuple(k)[i] in pattern[i] for i in listed)]
        return keys

    def select(self, *args: Any) -> list[Any]:
        """Values whose keys match the pattern (``'*'`` matches anything, a list matches any member)."""
        return [dict.__getitem__(self, k) for k in self._keys_matching(_pattern(args))]

    def sum(self, *args: Any) -> Any:
        """Sum of the matching values, as an expression (``quicksum``)."""
        return quicksum(dict.__getitem__(self, k) for k in self._keys_matching(_pattern(args)))

    def prod(self, coeff: dict[Any, Any], *args: Any) -> Any:
        """``sum(coeff[k] * self[k])`` over matching keys present in ``coeff``."""
        total: Any = LinExpr()
        for key in self._keys_matching(_pattern(args)):
            if key in coeff:
                c = coeff[key]
                value = dict.__getitem__(self, key)
                if is_number(c):
                    total = _add_scaled(total, value, float(c))
                else:
                    total = total + c * value
        return total

    def keys(self) -> Any:
        """The keys, as a view (like dict)."""
        return super().keys()

    def __repr__(self) -> str:
        return f"{{{', '.join(f'{k!r}: {v!r}' for k, v in self.items())}}}"


def _add_scaled(total: Any, value: Any, coeff: float) -> Any:
    if isinstance(total, LinExpr) and hasattr(value, "_model") and hasattr(value, "_index"):
        terms = total._terms
        terms[value] = terms.get(value, 0.0) + coeff
        return total
    if isinstance(total, LinExpr | QuadExpr):
        return total.__iadd__(value * coeff)
    return total + value * coeff


def _all_match(key: tuple[Any, ...], pattern: tuple[Any, ...]) -> bool:
    return len(key) == len(pattern) and all(_matches(k, p) for k, p in zip(key, pattern, strict=True))


class tuplelist(list[Any]):  # noqa: N801 - the API's own name
    """A list of tuples with wildcard ``select``."""

    def select(self, *args: Any) -> tuplelist:
        """The tuples matching the pattern."""
        pattern = _pattern(args) if len(args) != 1 or isinstance(args[0], tuple) else args
        out = tuplelist()
        for item in self:
            tup = _key_tuple(item)
            if len(tup) >= len(pattern) and all(_matches(k, p) for k, p in zip(tup, pattern, strict=False)):
                out.append(item)
        return out

    def __repr__(self) -> str:
        return f"<tuplelist ({len(self)} tuples)>\n[\n" + "".join(f"  {t!r},\n" for t in self) + "]"


def multidict(data: dict[Any, Any]) -> list[Any]:
    """Split ``{k: [v1, v2, ...]}`` into ``keys, d1, d2, ...`` (a scalar value gives one dict)."""
    keys = tuplelist(data.keys())
    width = None
    for value in data.values():
        size = len(value) if isinstance(value, list | tuple) else 1
        width = size if width is None else min(width, size)
    width = width or 1
    dicts = [tupledict() for _ in range(width)]
    for key, value in data.items():
        values = value if isinstance(value, list | tuple) else [value]
        for i in range(width):
            dicts[i][key] = values[i]
    return [keys, *dicts]
