"""The format of Unit.path, written and parsed only here.

A path is the chain of the unit's and its ancestors' primary keys, root first, each zero-padded
to a fixed width and closed by "/" ("/00000001/00000007/"). Fixed-width keys make the path's
text order the tree order (parent, then children by id), and a subtree one prefix match.
"""

from __future__ import annotations

PATH_DIGITS = 8
PATH_STEP = PATH_DIGITS + 1  # the characters one level adds: the digits and "/"


def unit_path(*, parent_path: str | None, pk: int) -> str:
    """The path of the unit `pk` placed under the unit whose path is `parent_path` (None: a root)."""
    return f"{parent_path or '/'}{pk:0{PATH_DIGITS}d}/"


def path_ids(path: str) -> list[int]:
    """The unit and its ancestors' primary keys, root first."""
    return [int(part) for part in path.strip("/").split("/")]
