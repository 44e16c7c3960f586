"""XML bodies for the fakes: read into JSON-like data and written from it, guided by the spec's schema.

Elements are named after properties (or their ``xml.name``), arrays are repeated elements (or
wrapped, with ``xml.wrapped``), the root is the schema's ``xml.name`` (else its component's name).
The clients send and read JSON and never load this module; the fakes (Goto documents XML beside
JSON) and the verifier (which must read a vendor's XML answer) import it when they need it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from nordfin._core.schema import coerce
from nordfin._core.spec import SpecIndex

__all__ = ["read_xml", "write_xml", "xml_root_name"]

_XML_NAME = re.compile(r"[^A-Za-z0-9_.\-]")
_XML_BAD_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def read_xml(index: SpecIndex, raw: bytes, schema: Any) -> Any:
    """Read an XML document into JSON-like data, guided by ``schema`` (a schema of ``index``).

    A required unwrapped array with no elements reads as ``[]``.
    Raises ValueError for XML that is malformed, has a DOCTYPE, or has the wrong root.
    """
    if b"<!doctype" in raw.lower() or b"<!entity" in raw.lower():
        raise ValueError("XML with a DOCTYPE is refused")
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as error:
        raise ValueError(f"malformed XML ({error})") from None
    expected = xml_root_name(index, schema)
    if _local(root.tag) != expected:
        raise ValueError(f"the root element must be <{expected}>")
    return _Reader(index).element(root, schema)


def xml_root_name(index: SpecIndex, schema: Any) -> str:
    """The root element's name for ``schema``: its ``xml.name``, else its component's name."""
    resolved = index.resolve(schema)
    name = resolved.get("xml", {}).get("name") if isinstance(resolved, dict) else None
    if name:
        return str(name)
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else "data"


def write_xml(index: SpecIndex, value: Any, schema: Any) -> bytes:
    """Write JSON-like data as XML, by the same rules :func:`read_xml` reads; None values are left out."""
    root = ET.Element(xml_root_name(index, schema))
    _Writer(index).fill(root, value, schema)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


class _Schemas:
    def __init__(self, index: SpecIndex) -> None:
        self.index = index

    def concrete(self, schema: Any) -> dict[str, Any]:
        """The schema with $ref followed and, for anyOf/oneOf, its first branch that is not null."""
        schema = self.index.resolve(schema)
        if not isinstance(schema, dict):
            return {}
        for branch in (*schema.get("anyOf", []), *schema.get("oneOf", [])):
            if self.index.types(branch) != {"null"}:
                return {**self.concrete(branch), **{k: v for k, v in schema.items() if k == "xml"}}
        return schema

    def is_bare_array(self, schema: Any) -> bool:
        concrete = self.concrete(schema)
        return "array" in self.index.types(concrete) and not concrete.get("xml", {}).get("wrapped")


class _Reader(_Schemas):
    def element(self, element: ET.Element, schema: Any) -> Any:
        schema = self.concrete(schema)
        if element.get(_XSI_NIL) == "true":
            return None
        types = self.index.types(schema)
        if "object" in types or "properties" in schema or len(element) or _attributes(element):
            return self.object(element, schema)
        return coerce(element.text or "", types)

    def object(self, element: ET.Element, schema: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        tags = self.tags(properties)
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            options = self.concrete(sub).get("xml", {})
            if options.get("attribute") and options.get("name", name) in element.attrib:
                result[name] = coerce(element.attrib[options.get("name", name)], self.index.types(sub))
        for child in element:
            tag = _local(child.tag)
            name = tags.get(tag, tag)
            self.child(result, name, child, properties.get(name, {}))
        for name in schema.get("required", []):
            if name not in result and self.is_bare_array(properties.get(name, {})):
                result[name] = []  # an unwrapped array without elements leaves no trace in XML
        return result

    def child(self, result: dict[str, Any], name: str, child: ET.Element, schema: Any) -> None:
        concrete = self.concrete(schema)
        if "array" in self.index.types(concrete):
            items = concrete.get("items", {})
            if concrete.get("xml", {}).get("wrapped"):
                result[name] = [self.element(c, items) for c in child]
            else:
                result.setdefault(name, []).append(self.element(child, items))
        elif name in result:  # an undocumented element that repeats: keep every value
            previous = result[name]
            result[name] = [
                *(previous if isinstance(previous, list) else [previous]),
                self.element(child, schema),
            ]
        else:
            result[name] = self.element(child, schema)

    def tags(self, properties: Mapping[str, Any]) -> dict[str, str]:
        """Element name -> property name, accepting both names for an unwrapped array's items."""
        tags: dict[str, str] = {}
        for name, sub in properties.items():
            concrete = self.concrete(sub)
            tags[concrete.get("xml", {}).get("name", name)] = name
            if self.is_bare_array(concrete):
                item_name = self.concrete(concrete.get("items", {})).get("xml", {}).get("name")
                tags.setdefault(item_name or name, name)
        return tags


class _Writer(_Schemas):
    def fill(self, element: ET.Element, value: Any, schema: Any) -> None:
        concrete = self.concrete(schema)
        if isinstance(value, dict):
            properties = concrete.get("properties", {})
            for name, item in value.items():
                if item is not None:
                    self.child(element, str(name), item, properties.get(name, {}))
        elif isinstance(value, list):
            for item in value:
                self.fill(ET.SubElement(element, "item"), item, concrete.get("items", {}))
        else:
            element.text = _xml_text(value)

    def child(self, parent: ET.Element, name: str, value: Any, schema: Any) -> None:
        options = self.concrete(schema).get("xml", {})
        tag = _XML_NAME.sub("_", options.get("name", name)) or "element"
        if options.get("attribute"):
            parent.set(tag, _xml_text(value))
        elif isinstance(value, list):
            items = self.concrete(schema).get("items", {})
            item_tag = self.concrete(items).get("xml", {}).get("name", tag)
            holder = ET.SubElement(parent, tag) if options.get("wrapped") else parent
            for item in value:
                self.fill(ET.SubElement(holder, item_tag), item, items)
        else:
            self.fill(ET.SubElement(parent, tag), value, schema)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attributes(element: ET.Element) -> list[str]:
    return [name for name in element.attrib if not name.startswith("{http://www.w3.org/")]


def _xml_text(value: Any) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return _XML_BAD_CHARS.sub("", text)
