"""Steps 10 and 11 of the take-over: print templates and integration events (the email queue).

Print templates: the earlier editor saved, per document, `{"blocks": [...]}` — blocks with an id,
a type, styles and, for text blocks, HTML with Django template tags. Ours keeps, per document, the
order and visibility of named blocks and the plain text of its text blocks (S-PRINT). What maps
is converted; styles, documents and blocks with no equivalent are reported, never invented.

Email queue: the earlier queue state lived inside the payload (`_queue`); ours has columns for it,
and a payload in the shape `wms.emailing.queue_email` writes. Once converted, the runbook's counts
per status give the same numbers as the earlier queue had, and `process_email_queue` takes the
events up where the earlier cron left them.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from wms.emailing.queue import clean_recipients
from wms.models import (
    EMAIL_EVENT_TYPE,
    EMAIL_SOURCE,
    IntegrationDirection,
    IntegrationEvent,
    IntegrationStatus,
    PrintTemplate,
)
from wms.printing import documents
from wms.printing.documents import LAYOUTS, PLACEHOLDERS, TEXTS

from .context import TakeOver
from .report import Report
from .shipping import CORRECTED, moment
from .source import as_datetime, as_json, as_text

NOT_CONVERTED = "Modèles d'impression non convertis"
EMAILS_WITHOUT_RECIPIENT = "E-mails sans destinataire"

# --- print templates -----------------------------------------------------------------------------

# Legacy doc_type → our document. The labels (shipment_label, product_label, product_qr) print
# with a fixed layout in the new system: they have no template to convert to.
DOCUMENTS = {
    "shipment_note": documents.NOTE,
    "packing_list_shipment": documents.PACKING_LIST,
    "packing_list_carton": documents.CARTON_PACKING_LIST,
    "donation_certificate": documents.DONATION,
    "humanitarian_certificate": documents.HUMANITARIAN,
    "customs": documents.CUSTOMS,
}
# (our document, legacy block id or type) → our block. Ids are those of the earlier editor's
# default layouts (wms/print_layouts.py of the earlier system); a block the user added got a new
# id, and is then recognised by its type when that type has one meaning.
_CERTIFICATE_BLOCKS = {
    "heading": "title",
    "org": "organisation",
    "org2": "organisation",
    "org3": "organisation",
    "donor": "parties",
    "recipient": "parties",
    "destination": "destination",
    "desc": "content",
    "sign": "signature",
    "signatures": "signature",
    "contacts_row": "parties",
    "table_cartons": "cartons",
    "summary_triplet": "cartons",
    "table_items": "content",
}
BLOCKS: dict[str, dict[str, str]] = {
    documents.NOTE: {
        "line1": "title",
        "line2": "destination",
        "summary": "cartons",
        "summary_triplet": "cartons",
        "contacts": "parties",
        "contacts_row": "parties",
        "signatures": "signatures",
        "attestation": "attestation",
        "table_cartons": "cartons",
    },
    documents.PACKING_LIST: {
        "heading": "title",
        "meta2": "cartons",
        "meta3": "totals",
        "items": "lines",
        "table_items": "lines",
        "table_cartons": "cartons",
        "summary_triplet": "cartons",
    },
    documents.CARTON_PACKING_LIST: {
        "heading": "title",
        "meta2": "carton",
        "items": "lines",
        "table_items": "lines",
    },
    documents.DONATION: _CERTIFICATE_BLOCKS,
    documents.HUMANITARIAN: _CERTIFICATE_BLOCKS,
    documents.CUSTOMS: _CERTIFICATE_BLOCKS,
}
# Legacy default block ids per document: a default block missing from a saved layout was removed
# by the user, so its equivalent of ours is hidden.
LEGACY_DEFAULT_IDS: dict[str, tuple[str, ...]] = {
    documents.NOTE: ("line1", "line2", "summary", "contacts", "signatures", "attestation"),
    documents.PACKING_LIST: ("heading", "meta2", "meta3", "items"),
    documents.CARTON_PACKING_LIST: ("heading", "meta2", "items"),
    documents.DONATION: (
        "heading",
        "org",
        "org2",
        "org3",
        "donor",
        "recipient",
        "destination",
        "desc",
        "sign",
    ),
    documents.HUMANITARIAN: ("heading", "org"),
    documents.CUSTOMS: ("heading", "org", "desc"),
}
# Variables of the earlier templates → our placeholders.
VARIABLES = {
    "shipment_ref": "reference",
    "destination_city": "city",
    "destination_iata": "iata",
    "destination_country": "country",
    "org_name": "organisation",
    "org_signatory": "signatory",
    "shipper_name": "shipper",
    "recipient_name": "recipient",
    "correspondent_name": "correspondent",
    "carton_count": "cartons",
}
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*(\|[^}]*)?\}\}")
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(br|/div|/p)\s*/?\s*>", re.IGNORECASE)


def convert_text(text: str) -> str | None:
    """A legacy text block as our plain text with `{placeholders}`; None when it uses template
    logic or a variable we have no placeholder for (it would print wrong)."""
    if "{%" in text:
        return None
    unknown: list[str] = []

    def variable(match: re.Match[str]) -> str:
        name = VARIABLES.get(match.group(1))
        if name is None or match.group(2):
            unknown.append(match.group(1))
            return ""
        return "{" + name + "}"

    plain = _VARIABLE.sub(variable, text)
    if unknown or "{{" in plain:
        return None
    plain = html.unescape(_TAG.sub("", _BREAK.sub("\n", plain)))
    lines = [" ".join(line.split()) for line in plain.splitlines()]
    cleaned = "\n".join(line for line in lines if line)
    if any(name not in PLACEHOLDERS for name in re.findall(r"\{(\w+)\}", cleaned)):
        return None
    return cleaned


def convert_layout(
    document: str, layout: Any
) -> tuple[list[dict[str, Any]], dict[str, str], list[str]]:
    """(our layout, our texts, what could not be converted) for a saved legacy layout."""
    blocks = layout.get("blocks") if isinstance(layout, dict) else None
    if not isinstance(blocks, list):
        return [], {}, ["disposition illisible"]
    mapping = BLOCKS[document]
    ours = LAYOUTS[document]
    order: list[str] = []
    texts: dict[str, str] = {}
    lost: list[str] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        block_id, kind = str(block.get("id", "")), str(block.get("type", ""))
        name = mapping.get(block_id) or mapping.get(kind)
        if name is None or name not in ours:
            lost.append(f"bloc « {block_id or kind} » ({kind}) sans équivalent")
            continue
        if name not in order:
            order.append(name)
        if block.get("style"):
            lost.append(f"bloc « {block_id} » : mise en forme (style) non reprise")
        text = block.get("text")
        if isinstance(text, str) and (document, name) in TEXTS:
            converted = convert_text(text)
            if converted is None:
                lost.append(f"bloc « {block_id} » : texte avec des variables ou de la logique "
                            "sans équivalent, texte par défaut conservé")  # fmt: skip
            else:
                texts[name] = converted
    present = {
        mapping.get(str(block.get("id", ""))) or mapping.get(str(block.get("type", "")))
        for block in blocks
        if isinstance(block, dict)
    }
    known_by_legacy = {mapping[block_id] for block_id in LEGACY_DEFAULT_IDS[document]}
    hidden = {name for name in known_by_legacy if name not in present}
    # Our blocks the earlier editor never had keep their default place (after their predecessor).
    for index, name in enumerate(ours):
        if name in order:
            continue
        before = [earlier for earlier in ours[:index] if earlier in order]
        order.insert(order.index(before[-1]) + 1 if before else 0, name)
    return [{"block": name, "visible": name not in hidden} for name in order], texts, lost


def import_print_templates(ctx: TakeOver) -> None:
    templates = ctx.rows("wms_printtemplate")
    versions_by_template: dict[int, list[dict[str, Any]]] = {}
    for row in ctx.rows("wms_printtemplateversion"):
        versions_by_template.setdefault(int(row["template_id"]), []).append(row)
    created_templates = created_versions = 0
    skipped_versions = 0
    for template in templates:
        legacy_document = as_text(template["doc_type"])
        versions = sorted(
            versions_by_template.get(int(template["id"]), []), key=lambda row: int(row["version"])
        )
        document = DOCUMENTS.get(legacy_document)
        if document is None:
            ctx.report.anomaly(
                NOT_CONVERTED,
                f"{legacy_document} ({len(versions)} version(s)) : document sans modèle "
                "modifiable dans le nouveau système (mise en page fixe), non repris",
            )
            skipped_versions += len(versions)
            continue
        live = readable_json(ctx, template["layout"], f"Modèle {legacy_document}")
        history = [
            (
                readable_json(ctx, row["layout"], f"Modèle {legacy_document} version {row['id']}"),
                row["created_at"],
                row["created_by_id"],
            )
            for row in versions
        ]
        if not history or history[-1][0] != live:
            # The live layout was saved without a version row: it becomes the latest version.
            history.append((live, template["updated_at"], template["updated_by_id"]))
        for number, (layout, created_at, created_by) in enumerate(history, start=1):
            where = f"{legacy_document} v{number}"
            if not layout:
                # `{}`: the earlier "back to the built-in default".
                our_layout = [{"block": name, "visible": True} for name in LAYOUTS[document]]
                texts: dict[str, str] = {}
                is_reset = True
            else:
                our_layout, texts, lost = convert_layout(document, layout)
                is_reset = False
                for item in lost:
                    ctx.report.anomaly(NOT_CONVERTED, f"{where} : {item}")
            saved = PrintTemplate.objects.create(
                document=document,
                version=number,
                layout=our_layout,
                texts=texts,
                is_reset=is_reset,
                created_by_id=ctx.new_id("auth_user", created_by),
                created_at=moment(created_at),
            )
            for legacy in versions:
                if int(legacy["version"]) == number:
                    ctx.remember("wms_printtemplateversion", legacy["id"], saved.pk)
            created_versions += 1
        created_templates += 1
    ctx.report.count(
        "wms_printtemplate",
        old=len(templates),
        new=created_templates,
        why=f"{len(templates) - created_templates} modèle(s) de document sans équivalent"
        if created_templates != len(templates)
        else "",
    )
    old_versions = ctx.source.count("wms_printtemplateversion")
    why = []
    if skipped_versions:
        why.append(f"{skipped_versions} version(s) de documents sans équivalent")
    added = created_versions - (old_versions - skipped_versions)
    if added:
        why.append(f"{added} disposition(s) en vigueur sans ligne de version, ajoutée(s)")
    ctx.report.count(
        "wms_printtemplateversion", old=old_versions, new=created_versions, why=" ; ".join(why)
    )


# --- integration events ---------------------------------------------------------------------------


def _is_email(row: dict[str, Any]) -> bool:
    return (
        as_text(row["direction"]) == IntegrationDirection.OUTBOUND
        and as_text(row["source"]) == EMAIL_SOURCE
        and as_text(row["event_type"]) == EMAIL_EVENT_TYPE
    )


UNREADABLE = "Contenus illisibles"


def readable_json(ctx: TakeOver, value: Any, where: str) -> Any:
    """JSON text as its value; text that is not JSON (MySQL has no JSON check on a plain text
    column) is kept as it was, under "legacy_text", and reported."""
    try:
        return as_json(value)
    except ValueError:
        ctx.report.anomaly(UNREADABLE, f"{where} : JSON illisible, gardé tel quel")
        return {"legacy_text": as_text(value)}


def queue_state(report: Report, queue: Any, where: str) -> tuple[int, dt.datetime | None]:
    """(attempts, next attempt) from the earlier `_queue` block; a value that does not read is
    reported and replaced by "no attempt yet, due now"."""
    if not isinstance(queue, dict):
        return 0, None
    try:
        attempts = max(int(queue.get("attempts") or 0), 0)
    except (TypeError, ValueError):
        report.anomaly(
            UNREADABLE, f"{where} : tentatives « {queue.get('attempts')} » illisibles, remises à 0"
        )
        attempts = 0
    try:
        next_attempt = as_datetime(queue.get("next_attempt_at"))
    except (TypeError, ValueError):
        report.anomaly(
            UNREADABLE,
            f"{where} : prochaine tentative « {queue.get('next_attempt_at')} » illisible, "
            "l'événement est dû tout de suite",
        )
        next_attempt = None
    return attempts, next_attempt


def email_payload(legacy: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """(our payload, the earlier `_queue` block) from a legacy email payload."""
    payload = dict(legacy)
    queue = payload.pop("_queue", None) or {}
    recipients = payload.pop("recipient", None) or payload.pop("recipients", None) or []
    ours: dict[str, Any] = {
        "subject": as_text(payload.pop("subject", "")),
        "message": as_text(payload.pop("message", "")),
        "html_message": payload.pop("html_message", None) or None,
        "recipients": clean_recipients(recipients),
        "tags": list(payload.pop("tags", None) or []),
        "from_email": payload.pop("from_email", None) or None,
        "reply_to": list(payload.pop("reply_to", None) or []),
    }
    ours.update(payload)  # anything else the earlier system put there, kept for the record
    return ours, queue


def import_integration_events(ctx: TakeOver) -> None:
    created = 0
    for row in ctx.rows("wms_integrationevent"):
        where = f"Événement {row['id']}"
        status = as_text(row["status"]) or IntegrationStatus.PENDING
        if status not in IntegrationStatus.values:
            # The queue would never pick up a status it does not know: kept visible as failed
            # ("replay failed" in the admin sends it again).
            ctx.report.anomaly(
                UNREADABLE, f"{where} : statut « {status} » inconnu, repris comme « failed »"
            )
            status = IntegrationStatus.FAILED
        processed_at = as_datetime(row["processed_at"])
        fields: dict[str, Any] = {
            "direction": as_text(row["direction"]),
            "source": as_text(row["source"]),
            "target": as_text(row["target"]),
            "event_type": as_text(row["event_type"]),
            "external_id": as_text(row["external_id"]),
            "status": status,
            "error_message": as_text(row["error_message"]),
            "created_at": moment(row["created_at"]),
            "processed_at": processed_at,
        }
        payload = readable_json(ctx, row["payload"], where)
        if _is_email(row) and not isinstance(payload, dict):
            ctx.report.anomaly(UNREADABLE, f"{where} : e-mail dont le contenu n'est pas un objet")
            payload = {"legacy_payload": payload}
        if _is_email(row):
            ours, queue = email_payload(payload)
            attempts, next_attempt_at = queue_state(ctx.report, queue, where)
            if not ours["recipients"]:
                ctx.report.anomaly(
                    EMAILS_WITHOUT_RECIPIENT,
                    f"Événement {row['id']} ({status}) « {ours['subject']} » : aucun "
                    "destinataire ; la file le marquera en échec s'il est encore à envoyer",
                )
            fields.update(
                payload=ours,
                # Ours names the recipients in `target` (searchable in the admin); the earlier
                # system wrote its transport there ("smtp").
                target=",".join(ours["recipients"])[:100],
                attempts=attempts,
                next_attempt_at=next_attempt_at,
            )
            if status != IntegrationStatus.PROCESSED:
                # The earlier processed_at was the time of the last claim, even of a failed one;
                # ours keeps processed_at for the delivery and the claim time in claimed_at.
                fields.update(processed_at=None, claimed_at=processed_at)
            if status == IntegrationStatus.PROCESSING:
                # Ours counts the claim as an attempt (the earlier system counted it on failure
                # only): the send in flight is one. With claimed_at = the earlier claim time, our
                # stale rule reclaims it after EMAIL_QUEUE_PROCESSING_TIMEOUT_SECONDS.
                fields.update(attempts=attempts + 1)
        else:
            fields["payload"] = payload if payload is not None else {}
        for name in ("source", "target", "event_type", "external_id"):
            limit = int(getattr(IntegrationEvent._meta.get_field(name), "max_length", 0) or 0)
            if len(fields[name]) > limit:
                ctx.report.anomaly(
                    CORRECTED, f"Événement {row['id']} : {name} tronqué à {limit} caractères"
                )
                fields[name] = fields[name][:limit]
        event = IntegrationEvent.objects.create(**fields)
        ctx.remember("wms_integrationevent", row["id"], event.pk)
        created += 1
    ctx.report.count(
        "wms_integrationevent", old=ctx.source.count("wms_integrationevent"), new=created
    )
