"""Folium rendering that never reads rendered text as a template again.

branca's ``MacroElement.render`` (every folium layer, control and our own elements go through
it) puts what an element's macros produced into the figure as ``Element(text)``, and
``Element`` compiles its text as a Jinja template, rendered once more with the figure. Text
from the data thus became template source: a park named ``{% if %}`` stopped the map with a
``TemplateSyntaxError``, and one named ``{{ 7*7 }}`` showed as ``49`` — Jinja expressions in a
name ran on the server. Compiling every rendered script (the parks' GeoJSON included) was
also a third of a map's server time (py-spy, real data).

:func:`install` makes ``MacroElement.render`` add the text as it is (:class:`Rendered`); the
map, its feature groups and the standalone HTML come out the same for any text without Jinja
delimiters. Folium's ``GeoJsonStyleMapper`` relies on the second pass for style values that
are elements (fill patterns); zones draws none.
"""

from __future__ import annotations

import itertools
from typing import Any

from branca.element import Element, Figure, MacroElement

_PARTS = ("header", "html", "script")
_SERIAL = itertools.count()


class Rendered(Element):
    """Text an element's macro produced, rendered as it is (never as a template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Rendered"
        self.text = text

    @classmethod
    def _generate_id(cls) -> str:
        """A serial number: it is added under its element's name, so its own id is never
        shown, and branca's random id (16 bytes from the OS each) was a tenth of a run."""
        return f"rendered{next(_SERIAL)}"

    def render(self, **kwargs: Any) -> str:
        return self.text


def _render_macro_element(self: MacroElement, **kwargs: Any) -> None:
    """``MacroElement.render`` of branca 0.8, with :class:`Rendered` for ``Element``."""
    figure = self.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("You cannot render this Element if it is not in a Figure.")
    macros = self._template.module.__dict__
    for part in _PARTS:
        macro = macros.get(part)
        if macro is not None:
            getattr(figure, part).add_child(Rendered(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


def install() -> None:
    """Render every folium element's output as text from now on (idempotent)."""
    MacroElement.render = _render_macro_element  # type: ignore[method-assign]
