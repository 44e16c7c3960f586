"""The hypermedia aliases of ``nordfin.payex._plans`` are written twice: as unions of models for mypy
(under ``TYPE_CHECKING``) and as forward references at run time, so importing loads no model. The
two must name the same models, and the forward references must resolve to them."""

from __future__ import annotations

import ast
import inspect
import typing

import pytest

from nordfin.payex import _plans
from nordfin_generated.payex import models

ALIASES = ["Linked", "FollowBody", "FollowAnswer"]


def typed_branch() -> dict[str, set[str]]:
    """The model names of each alias as the ``TYPE_CHECKING`` branch writes it (None as "None")."""
    tree = ast.parse(inspect.getsource(_plans))
    branch = next(
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
        and any(isinstance(s, ast.Assign) and s.targets[0].id == "Linked" for s in node.body)
    )
    found: dict[str, set[str]] = {}
    for statement in branch.body:
        assert isinstance(statement, ast.Assign)
        target = statement.targets[0]
        assert isinstance(target, ast.Name)
        found[target.id] = {
            n.attr if isinstance(n, ast.Attribute) else "None"
            for n in ast.walk(statement.value)
            if isinstance(n, ast.Attribute) or (isinstance(n, ast.Constant) and n.value is None)
        }
    return found


@pytest.mark.parametrize("alias", ALIASES)
def test_the_run_time_alias_names_the_models_the_typed_one_does(alias: str) -> None:
    def resolves(x: object) -> None: ...

    resolves.__annotations__["x"] = getattr(_plans, alias)  # read as an annotation of this module would be
    members = typing.get_args(typing.get_type_hints(resolves)["x"])
    names = {"None" if member is type(None) else member.__name__ for member in members}

    assert names == typed_branch()[alias]
    assert all(member is type(None) or getattr(models, member.__name__) is member for member in members)
