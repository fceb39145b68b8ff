"""The typed decoders a performance-minded receiver assembles by hand, built from the project's own schema
(``core/schema/events.schema.json``) so they check the same fields this package does: a msgspec ``Struct`` per
definition (``msgspec.json.Decoder``), and a ``TypedDict`` per definition for pydantic's
``TypeAdapter.validate_json``. Both read the canonical spelling only: the platform's (snake_case, integer ids,
money as numbers) is refused by their types, where this package reads it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Tuple, Union

import msgspec
from pydantic import TypeAdapter
from typing_extensions import TypedDict  # pydantic reads only this one on Python < 3.12

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "core" / "schema" / "events.schema.json"


def _scalar(kind: str) -> Any:
    return {"string": str, "integer": int, "number": float, "boolean": bool, "object": Dict[str, Any]}.get(kind, Any)


class _Builder:
    """Python types for the schema's definitions: ``struct=True`` makes msgspec Structs, otherwise TypedDicts."""

    def __init__(self, definitions: Dict[str, Any], struct: bool) -> None:
        self.definitions = definitions
        self.struct = struct
        self.made: Dict[str, Any] = {}

    def reference(self, ref: str) -> Any:
        name = ref.rsplit("/", 1)[-1]
        if name not in self.made:
            self.made[name] = self.object(name, self.definitions[name])
        return self.made[name]

    def type_of(self, schema: Dict[str, Any]) -> Tuple[Any, bool]:
        """The Python type of a property's schema, and whether it admits ``null``."""
        if "$ref" in schema:
            return self.reference(schema["$ref"]), False
        if "anyOf" in schema:
            options = [option for option in schema["anyOf"] if option.get("type") != "null"]
            nullable = len(options) < len(schema["anyOf"])
            types = [self.type_of(option)[0] for option in options]
            return (types[0] if len(types) == 1 else Union[tuple(types)]), nullable
        if "const" in schema:
            return Literal[schema["const"]], False
        if "enum" in schema:
            values = [value for value in schema["enum"] if value is not None]
            return Literal[tuple(values)], None in schema["enum"]
        kinds = schema.get("type", [])
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        nullable = "null" in kinds
        kinds = [kind for kind in kinds if kind != "null"]
        if kinds == ["array"]:
            return List[self.type_of(schema.get("items", {}))[0]], nullable  # type: ignore[misc]
        if not kinds:
            return Any, nullable
        types = [_scalar(kind) for kind in kinds]
        return (types[0] if len(types) == 1 else Union[tuple(types)]), nullable

    def object(self, name: str, schema: Dict[str, Any]) -> Any:
        required = set(schema.get("required", []))
        fields: List[Tuple[str, Any, Any]] = []
        annotations: Dict[str, Any] = {}
        for prop, prop_schema in schema.get("properties", {}).items():
            kind, nullable = self.type_of(prop_schema)
            if nullable or prop not in required:
                kind = Optional[kind]
            if self.struct:
                fields.append((prop, kind, msgspec.NODEFAULT) if prop in required else (prop, kind, None))
            else:
                annotations[prop] = kind
        if self.struct:
            return msgspec.defstruct(name, fields, kw_only=True)
        # Totality is not what is timed; every member optional keeps the TypedDict close to the Struct's defaults.
        return TypedDict(name, annotations, total=False)  # type: ignore[operator]

    def envelope(self, payload: str) -> Any:
        data = self.reference(f"#/$defs/{payload}")
        if self.struct:
            return msgspec.defstruct("Event", [("id", str), ("topic", str), ("data", data),
                                               ("createdAt", Optional[str], None)], kw_only=True)
        return TypedDict("Event", {"id": str, "topic": str, "createdAt": Optional[str], "data": data})  # type: ignore[operator]


def order_decoders() -> Tuple["msgspec.json.Decoder[Any]", "TypeAdapter[Any]"]:
    """A msgspec decoder into Structs and a pydantic adapter into TypedDicts, of an ``order.created`` event."""
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    definitions = schema["$defs"]
    structs = _Builder(definitions, struct=True).envelope("Order")
    typed_dicts = _Builder(definitions, struct=False).envelope("Order")
    return msgspec.json.Decoder(structs), TypeAdapter(typed_dicts)
