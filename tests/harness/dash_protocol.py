"""Dash's callback protocol as the renderer speaks it: which registered callback a firing
belongs to, the JSON body posted to /_dash-update-component, and reading the component trees
that come back. Pure functions: the clients in `clients.py` do the HTTP."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
DASH_CONFIG = re.compile(r'<script id="_dash-config" type="application/json">(.*?)</script>', re.S)
CSRF_COOKIE = "_csrf_token"
UPDATE_PATH = "/_dash-update-component"
PAGES_INPUTS = (("_pages_location", "pathname"), ("_pages_location", "search"))

Firing = Sequence[tuple[str, str, Any]]  # (component id, property, value)


def end_id_of(html: str) -> str | None:
    """The page load's signed endId (the Dash config in the HTML page), which the renderer
    sends with every callback and background-callback handles are bound to."""
    match = DASH_CONFIG.search(html)
    return json.loads(match.group(1)).get("end_id") if match else None


def dependency_for(dependencies: list[dict[str, Any]], inputs: Firing) -> dict[str, Any]:
    """The registered callback whose inputs are exactly these (id, property) pairs."""
    wanted = [{"id": cid, "property": prop} for cid, prop, _ in inputs]
    for dependency in dependencies:
        if [{"id": i["id"], "property": i["property"]} for i in dependency["inputs"]] == wanted:
            return dependency
    raise KeyError(f"no callback with inputs {wanted}")


def callback_body(dependency: dict[str, Any], inputs: Firing, state: Firing = ()) -> dict[str, Any]:
    """The JSON body the renderer posts for one firing of `dependency` (first input changed)."""
    output = dependency["output"]
    multi = output.startswith("..")
    parts = output[2:-2].split("...") if multi else [output]
    outputs = [{"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]} for part in parts]
    changed = [f"{inputs[0][0]}.{inputs[0][1]}"]
    return {
        "output": output,
        "outputs": outputs if multi else outputs[0],
        "inputs": [{"id": cid, "property": prop, "value": value} for cid, prop, value in inputs],
        "changedPropIds": changed,
        "parsedChangedPropsIds": changed,
        "state": [{"id": cid, "property": prop, "value": value} for cid, prop, value in state],
    }


def pattern_click_body(dependencies: list[dict[str, Any]], kind: str, index: object,
                       state: Firing = ()) -> dict[str, Any]:
    """The body of a pattern-matched button {"type": kind, "index": index} clicked once. Other
    pattern-matched inputs and outputs of its callback are sent with no components."""

    def is_kind(spec: str) -> bool:
        return spec.startswith("{") and json.loads(spec).get("type") == kind

    dependency = next(dep for dep in dependencies if any(is_kind(spec["id"]) for spec in dep["inputs"]))
    output = dependency["output"]
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    outputs = []
    for part in parts:
        cid, prop = part.rsplit(".", 1)
        outputs.append([] if cid.startswith("{") else {"id": cid, "property": prop})
    clicked = {"id": {"type": kind, "index": index}, "property": "n_clicks", "value": 1}
    inputs = [[clicked] if is_kind(spec["id"]) else [] if spec["id"].startswith("{")
              else {"id": spec["id"], "property": spec["property"], "value": None} for spec in dependency["inputs"]]
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": inputs,
        "changedPropIds": [json.dumps(clicked["id"], separators=(",", ":"), sort_keys=True) + ".n_clicks"],
        "state": [{"id": cid, "property": prop, "value": value} for cid, prop, value in state],
    }


def polling_body(body: dict[str, Any]) -> dict[str, Any]:
    """What the renderer posts while a background callback runs: the same body, values blanked."""
    polled = json.loads(json.dumps(body))
    for item in polled["inputs"] + polled.get("state", []):
        item["value"] = None
    return polled


def walk_components(node: Any) -> Iterator[dict[str, Any]]:
    """Every component (a {"type", "namespace", "props"} dict) in a serialised layout."""
    if isinstance(node, dict):
        if "props" in node and "type" in node:
            yield node
            for value in node["props"].values():
                yield from walk_components(value)
        else:
            for value in node.values():
                yield from walk_components(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_components(item)


def find_component(node: Any, component_id: Any) -> dict[str, Any] | None:
    return next((c for c in walk_components(node) if c["props"].get("id") == component_id), None)


def find_prop(node: Any, component_id: Any, prop: str) -> Any:
    """A property of the component with this id, anywhere in a rendered layout (None if absent)."""
    component = find_component(node, component_id)
    return component["props"].get(prop) if component else None
