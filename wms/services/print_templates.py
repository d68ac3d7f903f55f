"""Print templates (S-PRINT): a manager changes, per document, the order and visibility of its
blocks and the text of its text blocks; every save, restore and reset adds a version.

Texts are plain text: `{name}` placeholders from documents.PLACEHOLDERS only (anything else in
braces is refused), filled and escaped when printed, never executed as a template. Anything that
is not a placeholder (`{{ … }}`, `{% … %}`, HTML) is kept as typed and printed as visible text.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from wms.models import PrintTemplate
from wms.printing import documents
from wms.printing.documents import LAYOUTS, PLACEHOLDERS, TEXTS, Template
from wms.services.errors import StockError
from wms.services.stock import Actor

MAX_TEXT_LENGTH = 2000
# What fill() replaces: the same pattern, so that whatever would be filled is checked here.
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def text_blocks(document: str) -> list[str]:
    """The blocks of a document whose text can be changed, in default order."""
    return [name for name in LAYOUTS[document] if (document, name) in TEXTS]


def default_template(document: str) -> Template:
    return Template(
        [{"block": name, "visible": True} for name in LAYOUTS[document]],
        {name: str(TEXTS[document, name]) for name in text_blocks(document)},
    )


def current(document: str) -> PrintTemplate | None:
    """The latest saved version of a document; None when it prints with the defaults."""
    _check_document(document)
    return PrintTemplate.objects.filter(document=document).order_by("-version").first()


def effective(document: str) -> Template:
    """What the document prints with now: its latest version (defaults filled in) or defaults."""
    row = current(document)
    if row is None:
        return default_template(document)
    defaults = default_template(document)
    return Template(list(row.layout), {**defaults.texts, **dict(row.texts)})


def check(document: str, layout: Any, texts: Any) -> Template:
    """The template, validated; raises StockError with the reason (nothing is saved)."""
    _check_document(document)
    known = LAYOUTS[document]
    if not isinstance(layout, list) or not all(
        isinstance(entry, dict) and isinstance(entry.get("visible"), bool) for entry in layout
    ):
        raise StockError("La disposition des blocs n'est pas valide.")
    names = [entry.get("block") for entry in layout]
    unknown = [str(name) for name in names if name not in known]
    if unknown:
        raise StockError(f"Bloc inconnu pour ce document : {', '.join(unknown)}.")
    if len(names) != len(known) or set(names) != set(known):
        raise StockError("Chaque bloc du document doit figurer une fois et une seule.")
    if not isinstance(texts, dict):
        raise StockError("Les textes ne sont pas valides.")
    editable = text_blocks(document)
    cleaned: dict[str, str] = {}
    for name, text in texts.items():
        if name not in editable:
            raise StockError(f"Le bloc « {name} » n'a pas de texte modifiable.")
        if not isinstance(text, str):
            raise StockError("Les textes ne sont pas valides.")
        if len(text) > MAX_TEXT_LENGTH:
            raise StockError(
                f"Le texte du bloc « {name} » dépasse {MAX_TEXT_LENGTH} caractères ({len(text)})."
            )
        wrong = sorted({found for found in _placeholders(text) if found not in PLACEHOLDERS})
        if wrong:
            allowed = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
            raise StockError(
                "Variable inconnue dans le texte : "
                f"{', '.join(f'{{{found}}}' for found in wrong)}. Variables possibles : {allowed}.",
                code="unknown_placeholder",
            )
        cleaned[name] = text
    return Template(
        [{"block": entry["block"], "visible": entry["visible"]} for entry in layout], cleaned
    )


def save(document: str, layout: Any, texts: Any, actor: Actor) -> PrintTemplate:
    template = check(document, layout, texts)
    return _add_version(document, template, actor)


def restore(document: str, version: int, actor: Actor) -> PrintTemplate:
    """A new version copying an earlier one (that one stays as it was)."""
    _check_document(document)
    source = PrintTemplate.objects.filter(document=document, version=version).first()
    if source is None:
        raise StockError(f"La version {version} de ce document n'existe pas.", code="not_found")
    template = Template(list(source.layout), dict(source.texts))
    return _add_version(
        document, template, actor, is_reset=source.is_reset, restored_from=source.version
    )


def reset(document: str, actor: Actor) -> PrintTemplate:
    """A new version equal to the defaults. Its texts stay empty so that the defaults, which are
    translated, print in the reader's language."""
    _check_document(document)
    defaults = default_template(document)
    return _add_version(document, Template(defaults.layout, {}), actor, is_reset=True)


def preview(document: str, template: Template) -> Any:
    """A context manager under which the document prints with this unsaved template."""
    return documents.previewing(document, template)


def _check_document(document: str) -> None:
    if document not in LAYOUTS:
        raise StockError("Document inconnu.", code="not_found")


def _placeholders(text: str) -> list[str]:
    return [match.group(1) for match in _PLACEHOLDER.finditer(text)]


def _add_version(
    document: str,
    template: Template,
    actor: Actor,
    *,
    is_reset: bool = False,
    restored_from: int | None = None,
) -> PrintTemplate:
    try:
        with transaction.atomic():
            latest = PrintTemplate.objects.filter(document=document).aggregate(
                latest=Max("version")
            )["latest"]
            return PrintTemplate.objects.create(
                document=document,
                version=(latest or 0) + 1,
                layout=template.layout,
                texts=template.texts,
                is_reset=is_reset,
                restored_from=restored_from,
                created_by=actor.user if actor.user is not None and actor.user.pk else None,
            )
    except IntegrityError:
        # Two saves of the same document raced for the same version number.
        raise StockError(
            "Le modèle vient d'être modifié par quelqu'un d'autre : rechargez la page.",
            code="conflict",
        ) from None
