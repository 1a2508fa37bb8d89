"""Read the SAM template as plain data (short-form tags become their long forms) and walk its references."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"

PSEUDO_PARAMETERS = {
    "AWS::AccountId",
    "AWS::NoValue",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
}
_FUNCTIONS = ("Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub", "Transform")
_CONDITIONS = ("And", "Equals", "If", "Not", "Or")
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


class _Loader(yaml.SafeLoader):
    """A safe loader that knows CloudFormation's short-form tags."""


def _construct(long_name: str) -> Any:
    def construct(loader: _Loader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if long_name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {long_name: value}

    return construct


_Loader.add_constructor("!Ref", _construct("Ref"))
_Loader.add_constructor("!Condition", _construct("Condition"))
for _name in (*_FUNCTIONS, *_CONDITIONS, "GetAtt"):
    _Loader.add_constructor(f"!{_name}", _construct(f"Fn::{_name}"))


def load(path: Path = TEMPLATE) -> dict[str, Any]:
    """Load a template with its tags as long-form functions."""
    loaded: dict[str, Any] = yaml.load(path.read_text(), Loader=_Loader)
    return loaded


@dataclass(frozen=True)
class Reference:
    """One reference in the template: where it is, what kind, what it names, and the If-conditions around it."""

    where: str
    kind: str  # Ref, GetAtt, Sub, Condition, DependsOn
    target: str
    attribute: str | None
    conditions: frozenset[str]


def _sub_variables(text: str) -> Iterator[tuple[str, str | None]]:
    for name in _SUB_VARIABLE.findall(text):
        target, _, attribute = name.partition(".")
        yield target, attribute or None


def references(node: Any, where: str, conditions: frozenset[str] = frozenset()) -> Iterator[Reference]:
    """Yield every Ref, GetAtt, Sub variable and condition name under `node`."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from references(item, f"{where}[{index}]", conditions)
        return
    if not isinstance(node, dict):
        return
    if len(node) == 1:
        ((key, value),) = node.items()
        if key == "Ref":
            target, _, attribute = str(value).partition(".")
            yield Reference(where, "Ref", target, attribute or None, conditions)
            return
        if key == "Fn::GetAtt":
            yield Reference(where, "GetAtt", value[0], value[1], conditions)
            return
        if key == "Fn::Sub":
            text, variables = (value, {}) if isinstance(value, str) else (value[0], value[1])
            for target, attribute in _sub_variables(text):
                if target not in variables:
                    yield Reference(where, "Sub", target, attribute, conditions)
            yield from references(variables, where, conditions)
            return
        if key == "Fn::If":
            condition, when_true, when_false = value
            yield Reference(where, "Condition", condition, None, conditions)
            yield from references(when_true, f"{where}.If[{condition}]", conditions | {condition})
            yield from references(when_false, f"{where}.If[not {condition}]", conditions)
            return
        if key == "Condition" and isinstance(value, str):
            yield Reference(where, "Condition", value, None, conditions)
            return
    for key, value in node.items():
        yield from references(value, f"{where}.{key}", conditions)
