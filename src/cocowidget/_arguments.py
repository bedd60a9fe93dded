"""Mistyped keyword arguments are errors that name the closest valid one.

Python 3.11 says only "got an unexpected keyword argument"; widgets built on traitlets say
nothing at all (an unknown keyword becomes a DeprecationWarning that Python hides), so
``CocoGrid(ds, thumbnail_sise=200)`` would quietly draw 160-pixel thumbnails.
:func:`checked_keywords` wraps a function or ``__init__`` whose options are explicit
parameters: the signature (``help()``, ``?``, tab completion) stays the function's own,
and a keyword it does not take raises :class:`TypeError` with a suggestion.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

_BY_KEYWORD = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def unexpected_keyword(owner: str, name: str, valid: Iterable[str]) -> TypeError:
    """``TypeError("<owner> got an unexpected keyword argument 'x'; did you mean 'y'?")``,
    the suggestion being the closest of ``valid`` (none when nothing is close)."""
    message = f"{owner} got an unexpected keyword argument {name!r}"
    names = sorted(valid)
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    if not close:  # a different case or word order: 'iou_thrs' for 'iouThrs'
        folded = {candidate.lower().replace("_", ""): candidate for candidate in names}
        close = [
            folded[match]
            for match in difflib.get_close_matches(
                name.lower().replace("_", ""), list(folded), n=1, cutoff=0.6
            )
        ]
    if close:
        return TypeError(f"{message}; did you mean {close[0]!r}?")
    return TypeError(f"{message}; valid keywords: {', '.join(names)}")


def reject_unknown(owner: str, given: Iterable[str], valid: Iterable[str]) -> None:
    """Raise :func:`unexpected_keyword` for the first of ``given`` not in ``valid``."""
    allowed = set(valid)
    for name in given:
        if name not in allowed:
            raise unexpected_keyword(owner, name, allowed)


def keyword_names(func: Callable[..., Any]) -> tuple[str, ...]:
    """The names ``func`` accepts as keywords (``self`` excluded)."""
    parameters = inspect.signature(func).parameters.values()
    return tuple(p.name for p in parameters if p.kind in _BY_KEYWORD and p.name != "self")


def checked_keywords(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap ``func`` so that an unknown keyword raises :func:`unexpected_keyword`
    (``"CocoGrid() got ..."`` for an ``__init__``) before ``func`` runs."""
    if any(p.kind is p.VAR_KEYWORD for p in inspect.signature(func).parameters.values()):
        return func  # takes any keyword (a subclass's __init__ handing its parts on)
    valid = frozenset(keyword_names(func))
    is_init = func.__name__ == "__init__"

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not valid.issuperset(kwargs):
            owner = f"{func.__qualname__}()"
            if args and "." in func.__qualname__:  # a method: named by the caller's class
                cls = args[0] if isinstance(args[0], type) else type(args[0])
                owner = f"{cls.__name__}()" if is_init else f"{cls.__name__}.{func.__name__}()"
            reject_unknown(owner, kwargs, valid)
        return func(*args, **kwargs)

    return wrapper


def _has_options(func: Callable[..., Any]) -> bool:
    """Whether ``func`` takes an argument that may be left out (a default) or only by
    keyword: a typo there is silently an option not given. A method of required
    positional arguments only (``image_row(image_id)``) is answered by Python itself on a
    wrong keyword, and is often on a hot path, so it is left unwrapped."""
    parameters = list(inspect.signature(func).parameters.values())[1:]  # self / cls
    return any(
        p.default is not p.empty or p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in parameters
    )


def checked_methods(cls: type[T]) -> type[T]:
    """:func:`checked_keywords` on every public method of ``cls`` (class and static
    methods too) with options, defined in its own body, and on its ``__init__``."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") and name != "__init__":
            continue
        function = member.__func__ if isinstance(member, classmethod | staticmethod) else member
        if inspect.isfunction(function) and not _has_options(function) and name != "__init__":
            continue
        if isinstance(member, classmethod | staticmethod):
            inner = member.__func__
            if not hasattr(inner, "__wrapped__"):
                setattr(cls, name, type(member)(checked_keywords(inner)))
        elif inspect.isfunction(member) and not hasattr(member, "__wrapped__"):
            setattr(cls, name, checked_keywords(member))
    return cls
