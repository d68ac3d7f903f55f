"""Demo data and demo logins for a development machine (`make run`). Refuses to run with DEBUG off.

Idempotent: master data is looked up by its natural key before being created, the stock part
(receipts, then a few removals, transfers and counts) runs only while no demo lot exists, and the
shipments part (wms.demo_shipping: cartons and shipments in every status) only while no demo
shipment exists; the orders part (wms.demo_orders: associations, portal users asso1 / asso2, a
public link and orders in every review status) only while no demo order exists. Every lot comes
from wms.services.receiving and every later change from wms.services.stock / packing / shipping /
orders, so the ledger check passes right after.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from wms.demo_orders import PORTAL_EMAILS, PORTAL_USERNAMES, seed_orders
from wms.demo_shipping import seed_shipping
from wms.gtin import check_digit
from wms.models import (
    Contact,
    ContactAddress,
    ContactKind,
    Location,
    Product,
    ProductCategory,
    ProductKitItem,
    ProductLot,
    ProductTag,
    RackColor,
    ReceiptType,
    StockMovement,
    Warehouse,
)
from wms.roles import MANAGER_GROUP, WORKER_GROUP
from wms.services import receiving, stock
from wms.services.contacts import set_default_address
from wms.text import fold_key

DEMO_USERS = [("magasinier", WORKER_GROUP), ("responsable", MANAGER_GROUP)]

DEMO_SKU_PREFIX = "DEMO-"
# A French GS1 prefix (376…) for made-up but valid EAN-13 codes.
DEMO_GTIN_PREFIX = "3760123"

WAREHOUSES = [("REC", "Réception CDG"), ("ROI", "Stock Roissy")]

# (warehouse code, zone, aisle, shelf)
LOCATIONS = [
    ("REC", "QUAI", "01", "1"),
    ("REC", "QUAI", "01", "2"),
    ("REC", "QUAR", "01", "1"),
    ("ROI", "A", "01", "1"),
    ("ROI", "A", "01", "2"),
    ("ROI", "A", "02", "1"),
    ("ROI", "B", "01", "1"),
    ("ROI", "B", "01", "2"),
    ("ROI", "B", "02", "1"),
    ("ROI", "C", "01", "1"),
    ("ROI", "C", "02", "1"),
    ("ROI", "FR", "01", "1"),
]

RACK_COLORS = [
    ("REC", "QUAI", "#757575"),
    ("REC", "QUAR", "#E53935"),
    ("ROI", "A", "#1E88E5"),
    ("ROI", "B", "#43A047"),
    ("ROI", "C", "#FB8C00"),
    ("ROI", "FR", "#00ACC1"),
]

# Paths from the root; roots are upper-case, as the name rules want them.
CATEGORIES = [
    ("MÉDICAL", "Médicaments", "Antalgiques"),
    ("MÉDICAL", "Médicaments", "Antibiotiques"),
    ("MÉDICAL", "Médicaments", "Solutés"),
    ("MÉDICAL", "Pansements", "Compresses"),
    ("MÉDICAL", "Pansements", "Bandes"),
    ("MÉDICAL", "Matériel Médical", "Injection"),
    ("MÉDICAL", "Matériel Médical", "Diagnostic"),
    ("HYGIÈNE", "Protection Individuelle", "Masques"),
    ("HYGIÈNE", "Protection Individuelle", "Gants"),
    ("HYGIÈNE", "Protection Individuelle", "Vêtements"),
    ("HYGIÈNE", "Désinfection"),
    ("HYGIÈNE", "Hygiène Corporelle"),
    ("LOGISTIQUE", "Emballage", "Cartons"),
    ("LOGISTIQUE", "Emballage", "Adhésifs"),
    ("LOGISTIQUE", "Étiquetage"),
]

TAGS = ["Urgence", "Pédiatrie", "Chaîne du froid", "Kit"]


class DemoProduct(NamedTuple):
    key: str
    name: str
    brand: str
    category: str  # the last name of a path in CATEGORIES
    location: tuple[str, str, str, str]
    size: tuple[str, str, str]  # length, width, height in cm
    weight_g: int
    price: str  # excl. VAT, euros
    vat: str  # percent
    perishable: bool = False
    extra: dict[str, Any] = {}
    tags: tuple[str, ...] = ()


A1, A2, A3 = ("ROI", "A", "01", "1"), ("ROI", "A", "01", "2"), ("ROI", "A", "02", "1")
B1, B2, B3 = ("ROI", "B", "01", "1"), ("ROI", "B", "01", "2"), ("ROI", "B", "02", "1")
C1, C2, FR = ("ROI", "C", "01", "1"), ("ROI", "C", "02", "1"), ("ROI", "FR", "01", "1")
QUAI, QUAI2 = ("REC", "QUAI", "01", "1"), ("REC", "QUAI", "01", "2")
QUAR = ("REC", "QUAR", "01", "1")
COLD = {"storage_conditions": "Entre 2 et 8 °C"}
DARK = {"storage_conditions": "À l'abri de la lumière"}

P = DemoProduct
PRODUCTS = [
    # Médicaments
    P("paracetamol500", "Paracétamol 500mg Comprimés", "LABO DUPONT", "Antalgiques", A1,
      ("12", "6", "3"), 60, "1.90", "5.5", True, tags=("Urgence",)),
    P("paracetamol1g", "Paracétamol 1g Comprimés Effervescents", "LABO DUPONT", "Antalgiques",
      A1, ("14", "4", "4"), 80, "2.40", "5.5", True),
    P("ibuprofene400", "Ibuprofène 400mg Comprimés", "MÉDIPHARM", "Antalgiques", A1,
      ("11", "6", "2"), 40, "2.10", "5.5", True),
    P("sirop", "Paracétamol Sirop Pédiatrique 100ml", "MÉDIPHARM", "Antalgiques", A1,
      ("5", "5", "13"), 160, "2.80", "5.5", True, tags=("Pédiatrie",)),
    P("amoxicilline500", "Amoxicilline 500mg Gélules", "LABO DUPONT", "Antibiotiques", A2,
      ("12", "7", "3"), 55, "3.20", "5.5", True),
    P("amoxicilline250", "Amoxicilline 250mg/5ml Suspension Buvable", "LABO DUPONT",
      "Antibiotiques", A2, ("6", "6", "14"), 190, "3.60", "5.5", True, tags=("Pédiatrie",)),
    # Quarantined at receipt until a pharmacist checks the donated batch.
    P("cotrimoxazole", "Cotrimoxazole 400mg Comprimés", "MÉDIPHARM", "Antibiotiques", QUAR,
      ("11", "6", "2"), 45, "2.70", "5.5", True, {"quarantine_default": True}),
    P("doxycycline", "Doxycycline 100mg Comprimés", "MÉDIPHARM", "Antibiotiques", A2,
      ("11", "6", "2"), 35, "3.10", "5.5", True),
    P("serum", "Sérum Physiologique Unidoses 5ml", "HYGIAL", "Solutés", A3,
      ("15", "10", "5"), 200, "2.20", "5.5", True),
    P("glucose", "Soluté Glucosé 5% 500ml", "B. BRAUN", "Solutés", A3,
      ("18", "10", "6"), 540, "1.80", "5.5", True),
    P("ringer", "Ringer Lactate 500ml", "B. BRAUN", "Solutés", A3,
      ("18", "10", "6"), 540, "1.95", "5.5", True, tags=("Urgence",)),
    P("sro", "Sachets SRO Réhydratation Orale", "MÉDIPHARM", "Solutés", A3,
      ("10", "7", "1"), 25, "0.30", "5.5", True, tags=("Pédiatrie", "Urgence")),
    # Pansements
    P("compresses10", "Compresses Stériles 10x10cm", "HARTMANN", "Compresses", B1,
      ("20", "12", "8"), 300, "4.50", "20"),
    P("compresses7", "Compresses Non Stériles 7,5x7,5cm", "HARTMANN", "Compresses", B1,
      ("18", "10", "8"), 250, "2.90", "20"),
    P("velpeau", "Bande Velpeau 10cm", "URGO", "Bandes", B1,
      ("10", "4", "4"), 40, "0.90", "20"),
    P("cohesive", "Bande Cohésive 5cm", "URGO", "Bandes", B1,
      ("6", "6", "5"), 30, "1.40", "20"),
    P("sparadrap", "Sparadrap Microporeux 2,5cm", "3M", "Bandes", B1,
      ("5", "5", "3"), 20, "1.10", "20"),
    P("pansements", "Pansements Adhésifs Assortis", "URGO", "Bandes", B1,
      ("12", "8", "3"), 50, "2.30", "20"),
    # Matériel médical
    P("seringue5", "Seringue 5ml Luer", "B. BRAUN", "Injection", B2,
      ("30", "20", "10"), 600, "8.00", "20"),
    P("seringue10", "Seringue 10ml Luer Lock", "B. BRAUN", "Injection", B2,
      ("30", "20", "12"), 750, "9.50", "20"),
    P("aiguilles", "Aiguilles 21G Stériles", "B. BRAUN", "Injection", B2,
      ("15", "10", "5"), 150, "6.00", "20"),
    P("catheter", "Cathéter IV 20G", "B. BRAUN", "Injection", B2,
      ("20", "12", "6"), 200, "18.00", "20", tags=("Urgence",)),
    P("perfuseur", "Perfuseur Gravité Standard", "B. BRAUN", "Injection", B2,
      ("25", "15", "5"), 180, "0.85", "20"),
    P("thermometre", "Thermomètre Digital", "MÉDIPHARM", "Diagnostic", B3,
      ("15", "4", "2"), 30, "4.20", "20"),
    P("tensiometre", "Tensiomètre Manuel Adulte", "MÉDIPHARM", "Diagnostic", B3,
      ("20", "15", "8"), 450, "24.00", "20"),
    P("phmetre", "pH-mètre Portable", "MÉDIPHARM", "Diagnostic", B3,
      ("18", "4", "3"), 90, "35.00", "20"),
    P("tdr", "Tests Rapides Paludisme TDR", "MÉDIPHARM", "Diagnostic", FR,
      ("20", "12", "8"), 400, "25.00", "5.5", True, COLD, ("Chaîne du froid",)),
    P("oxymetre", "Oxymètre Digital", "MÉDIPHARM", "Diagnostic", B3,
      ("8", "6", "4"), 60, "15.00", "20"),
    P("stethoscope", "Stéthoscope Double Pavillon", "MÉDIPHARM", "Diagnostic", B3,
      ("25", "12", "5"), 180, "12.00", "20"),
    # Protection individuelle
    P("masque_chir", "Masque Chirurgical Type IIR", "PROTECTA", "Masques", C1,
      ("20", "10", "10"), 150, "3.00", "20"),
    P("masque_ffp2", "Masque FFP2 Sans Valve", "PROTECTA", "Masques", C1,
      ("20", "12", "10"), 200, "9.00", "20", tags=("Urgence",)),
    P("gants_m", "Gants Nitrile Taille M", "PROTECTA", "Gants", C1,
      ("24", "12", "7"), 500, "6.50", "20"),
    P("gants_l", "Gants Nitrile Taille L", "PROTECTA", "Gants", C1,
      ("24", "12", "7"), 520, "6.50", "20"),
    P("gants_steriles", "Gants Latex Stériles Taille 7", "PROTECTA", "Gants", C1,
      ("25", "13", "8"), 450, "14.00", "20"),
    P("surblouse", "Surblouse Jetable", "PROTECTA", "Vêtements", C1,
      ("30", "25", "10"), 900, "12.00", "20"),
    P("charlotte", "Charlotte Jetable", "PROTECTA", "Vêtements", C1,
      ("25", "20", "10"), 300, "4.00", "20"),
    # Désinfection
    P("gel100", "Gel Hydro-Alcoolique 100ml", "HYGIAL", "Désinfection", C1,
      ("4", "3", "14"), 120, "1.20", "20", True),
    P("gel500", "Gel Hydro-Alcoolique 500ml", "HYGIAL", "Désinfection", C1,
      ("8", "6", "20"), 560, "3.90", "20", True),
    P("chlorhexidine", "Chlorhexidine Aqueuse 0,05%", "HYGIAL", "Désinfection", C1,
      ("6", "6", "15"), 260, "2.60", "20", True),
    P("povidone", "Povidone Iodée 10% 125ml", "HYGIAL", "Désinfection", C1,
      ("5", "5", "14"), 160, "3.40", "5.5", True, DARK),
    P("lingettes", "Lingettes Désinfectantes", "HYGIAL", "Désinfection", C1,
      ("20", "12", "6"), 400, "4.80", "20"),
    # Hygiène corporelle
    P("savon", "Savon Liquide 500ml", "HYGIAL", "Hygiène Corporelle", C1,
      ("8", "6", "20"), 540, "2.10", "20"),
    P("dentifrice", "Dentifrice Fluoré 75ml", "HYGIAL", "Hygiène Corporelle", C1,
      ("18", "4", "4"), 100, "1.30", "20"),
    P("serviettes", "Serviettes Hygiéniques", "HYGIAL", "Hygiène Corporelle", C1,
      ("20", "10", "8"), 200, "2.50", "5.5"),
    P("couches", "Couches Bébé Taille 3", "HYGIAL", "Hygiène Corporelle", C1,
      ("40", "25", "20"), 1800, "9.90", "5.5", tags=("Pédiatrie",)),
    # Logistique
    P("carton_double", "Carton Double Cannelure 60x40x40cm", "CARTONEX", "Cartons", C2,
      ("60", "40", "2"), 900, "2.40", "20"),
    P("carton_simple", "Carton Simple Cannelure 40x30x30cm", "CARTONEX", "Cartons", C2,
      ("40", "30", "1"), 450, "1.10", "20"),
    P("ruban", "Ruban Adhésif Brun 50mm", "CARTONEX", "Adhésifs", C2,
      ("10", "10", "5"), 200, "1.60", "20"),
    P("film", "Film Étirable Palette 23µm", "CARTONEX", "Adhésifs", C2,
      ("50", "10", "10"), 2500, "11.00", "20"),
    P("etiquettes", "Étiquettes Thermiques 100x150mm", "CARTONEX", "Étiquetage", C2,
      ("15", "12", "12"), 700, "14.00", "20"),
    P("marqueur", "Marqueur Permanent Noir", "CARTONEX", "Étiquetage", C2,
      ("14", "2", "2"), 15, "0.90", "20"),
    # A kit holds no stock: packing it consumes its components.
    P("kit_hygiene", "Kit Hygiène Familial", "ASF", "Hygiène Corporelle", C1,
      ("30", "20", "15"), 1600, "12.00", "20", tags=("Kit",)),
]  # fmt: skip
KIT = ("kit_hygiene", [("savon", 2), ("dentifrice", 2), ("serviettes", 1)])


class DemoContact(NamedTuple):
    name: str
    roles: tuple[str, ...]
    address: tuple[str, str, str, str] | None  # line 1, postal code, city, country
    kind: str = ContactKind.ORGANISATION
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    organisation: str = ""  # a member who uses this organisation's address


PERSON = ContactKind.PERSON
CONTACTS = [
    DemoContact("Pharmacie Centrale", ("donor",),
                ("12 rue de la République", "93200", "Saint-Denis", "France"),
                email="contact@pharmacie-centrale.example", phone="01 48 20 11 22"),
    DemoContact("Laboratoire Dupont", ("donor",),
                ("45 avenue Jean Jaurès", "69007", "Lyon", "France"),
                email="dons@labo-dupont.example", phone="04 72 00 45 45"),
    DemoContact("Édith Lefèvre", ("donor",),
                ("8 rue des Lilas", "95700", "Roissy-en-France", "France"),
                kind=PERSON, first_name="Édith", last_name="Lefèvre",
                email="edith.lefevre@example.org", phone="06 12 34 56 78"),
    DemoContact("Association Santé Solidaire", ("donor",),
                ("3 place du Marché", "77100", "Meaux", "France"),
                email="bureau@sante-solidaire.example"),
    DemoContact("Transports Leroy", ("carrier",),
                ("14 rue de la Belle Étoile", "95700", "Roissy-en-France", "France"),
                email="exploitation@transports-leroy.example", phone="01 34 29 00 00"),
    DemoContact("Fret Express Roissy", ("carrier",),
                ("Zone de fret 3, bâtiment 3400", "95700", "Roissy-en-France", "France"),
                email="roissy@fret-express.example"),
    DemoContact("Aviation Sans Frontières", ("shipper",),
                ("Orly Fret 768", "94394", "Orly Aérogare", "France"),
                email="logistique@asf.example", phone="01 49 75 74 37"),
    DemoContact("Centre de Santé de Kati", ("recipient",),
                ("Quartier Malibougou", "", "Kati", "Mali"),
                email="cscom.kati@example.org"),
    DemoContact("Dispensaire de Jacmel", ("recipient",),
                ("Rue de l'Église", "HT9110", "Jacmel", "Haïti"),
                email="dispensaire.jacmel@example.org"),
    DemoContact("Hôpital de District de Kaya", ("recipient",),
                ("Secteur 5", "", "Kaya", "Burkina Faso"),
                email="hd.kaya@example.org"),
    DemoContact("Aminata Diallo", ("correspondent",), None, kind=PERSON,
                first_name="Aminata", last_name="Diallo", email="aminata.diallo@example.org",
                phone="+223 76 00 00 00", organisation="Centre de Santé de Kati"),
    DemoContact("Jean-Baptiste Kaboré", ("correspondent",),
                ("Avenue de la Nation", "", "Kaya", "Burkina Faso"), kind=PERSON,
                first_name="Jean-Baptiste", last_name="Kaboré",
                email="jb.kabore@example.org", phone="+226 70 00 00 00"),
    DemoContact("Marie-Claire Joseph", ("correspondent", "recipient"),
                ("Rue Baranquilla", "HT9110", "Jacmel", "Haïti"), kind=PERSON,
                first_name="Marie-Claire", last_name="Joseph",
                email="mc.joseph@example.org"),
    # Madagascar, for the Antananarivo destination of the demo shipments.
    DemoContact("Hôpital Joseph Raseta Befelatanana", ("recipient",),
                ("Rue Andriamifidy", "101", "Antananarivo", "Madagascar"),
                email="hjrb.pharmacie@example.org"),
    DemoContact("Hery Rakotomalala", ("correspondent",),
                ("Lot II J 45 Ivandry", "101", "Antananarivo", "Madagascar"), kind=PERSON,
                first_name="Hery", last_name="Rakotomalala",
                email="hery.rakotomalala@example.org", phone="+261 34 00 000 00"),
    DemoContact("Pharmacie Humanitaire Île-de-France", ("shipper",),
                ("5 rue des Entrepôts", "94150", "Rungis", "France"),
                email="expeditions@pharmacie-humanitaire.example"),
]  # fmt: skip


def demo_gtin(number: int) -> str:
    body = f"{DEMO_GTIN_PREFIX}{number:05d}"
    return f"{body}{check_digit(body)}"


class Seeder:
    """Creates what is missing and counts it, so that the summary says what this run added."""

    def __init__(self) -> None:
        self.created: Counter[str] = Counter()
        self.today = timezone.localdate()

    def _note(self, what: str, created: bool) -> None:
        self.created[what] += int(created)

    # --- master data --------------------------------------------------------------------------

    def warehouses(self) -> dict[str, Warehouse]:
        found = {}
        for code, name in WAREHOUSES:
            warehouse, created = Warehouse.objects.get_or_create(code=code, defaults={"name": name})
            self._note("entrepôts", created)
            found[code] = warehouse
        return found

    def locations(self, warehouses: dict[str, Warehouse]) -> dict[tuple[str, ...], Location]:
        found: dict[tuple[str, ...], Location] = {}
        for code, zone, aisle, shelf in LOCATIONS:
            location, created = Location.objects.get_or_create(
                warehouse=warehouses[code], zone=zone, aisle=aisle, shelf=shelf
            )
            self._note("emplacements", created)
            found[(code, zone, aisle, shelf)] = location
        for code, zone, color in RACK_COLORS:
            _rack, created = RackColor.objects.get_or_create(
                warehouse=warehouses[code], zone=zone, defaults={"color": color}
            )
            self._note("couleurs de rack", created)
        return found

    def category(self, name: str, parent: ProductCategory | None) -> ProductCategory:
        # By the folded key, as the unique constraint sees it.
        existing = ProductCategory.objects.filter(
            parent_marker=parent.pk if parent else 0, name_key=fold_key(name)
        ).first()
        if existing is not None:
            return existing
        self._note("catégories", True)
        return ProductCategory.objects.create(name=name, parent=parent)

    def categories(self) -> dict[str, ProductCategory]:
        by_last_name = {}
        for path in CATEGORIES:
            node = self.category(path[0], None)
            for name in path[1:]:
                node = self.category(name, node)
            by_last_name[path[-1]] = node
        return by_last_name

    def products(
        self,
        categories: dict[str, ProductCategory],
        locations: dict[tuple[str, ...], Location],
    ) -> dict[str, Product]:
        tags = {}
        for name in TAGS:
            tags[name], created = ProductTag.objects.get_or_create(name=name)
            self._note("étiquettes", created)
        found = {}
        for number, item in enumerate(PRODUCTS, start=1):
            length, width, height = (Decimal(value) for value in item.size)
            product, created = Product.objects.get_or_create(
                sku=f"{DEMO_SKU_PREFIX}{number:03d}",
                defaults=dict(
                    name=item.name,
                    brand=item.brand,
                    category=categories[item.category],
                    ean=demo_gtin(number),
                    pu_ht=Decimal(item.price),
                    tva=Decimal(item.vat),
                    default_location=locations[item.location],
                    length_cm=length,
                    width_cm=width,
                    height_cm=height,
                    weight_g=item.weight_g,
                    perishable=item.perishable,
                    **item.extra,
                ),
            )
            if created:
                product.tags.set([tags[name] for name in item.tags])
            self._note("produits", created)
            found[item.key] = product
        kit_key, components = KIT
        for key, quantity in components:
            _item, created = ProductKitItem.objects.get_or_create(
                kit=found[kit_key], component=found[key], defaults={"quantity": quantity}
            )
            self._note("composants de kit", created)
        return found

    def contacts(self) -> dict[str, Contact]:
        found: dict[str, Contact] = {}
        for item in CONTACTS:
            contact = Contact.objects.filter(name_key=fold_key(item.name)).first()
            if contact is None:
                contact = Contact.objects.create(
                    kind=item.kind,
                    name=item.name,
                    first_name=item.first_name,
                    last_name=item.last_name,
                    email=item.email,
                    phone=item.phone,
                    organisation=found.get(item.organisation),
                    use_organisation_address=bool(item.organisation),
                    **{f"is_{role}": True for role in item.roles},
                )
                self._note("contacts", True)
            found[item.name] = contact
        # After every contact exists: an organisation's default address is copied to the
        # members who use it.
        addresses_before = ContactAddress.objects.count()
        for item in CONTACTS:
            contact = found[item.name]
            if item.address is None or contact.addresses.exists():
                continue
            line1, postal_code, city, country = item.address
            address = ContactAddress(
                contact=contact,
                label="Siège" if item.kind == ContactKind.ORGANISATION else "Domicile",
                line1=line1,
                postal_code=postal_code,
                city=city,
                country=country,
            )
            set_default_address(address)
        self.created["adresses"] += ContactAddress.objects.count() - addresses_before
        return found

    # --- stock, through the services only -----------------------------------------------------

    def days(self, offset: int) -> dt.date:
        return self.today + dt.timedelta(days=offset)

    def receipts(
        self,
        products: dict[str, Product],
        contacts: dict[str, Contact],
        locations: dict[tuple[str, ...], Location],
        warehouses: dict[str, Warehouse],
    ) -> dict[str, ProductLot]:
        def line(
            key: str, quantity: int, lot: str, expires: int | None = None, **more: Any
        ) -> dict[str, Any]:
            return dict(
                product=products[key],
                quantity=quantity,
                lot_code=lot,
                expires_on=self.days(expires) if expires is not None else None,
                **more,
            )

        plans: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
            (
                dict(
                    receipt_type=ReceiptType.DONATION,
                    received_on=self.days(-60),
                    source=contacts["Pharmacie Centrale"],
                    carrier=contacts["Transports Leroy"],
                    carton_count=6,
                    notes="Don trimestriel de la pharmacie.",
                ),
                [
                    line("paracetamol500", 200, "PC24A101", 420),
                    line("paracetamol500", 60, "PC24A087", 95),
                    line("paracetamol1g", 80, "PC24B012", 380),
                    line("ibuprofene400", 150, "IB24C033", 300),
                    line("sirop", 40, "SP24D004", 180),
                    line("amoxicilline500", 120, "AM24A210", 510),
                    line("doxycycline", 80, "DX24E017", 260),
                    line("serum", 300, "SE24F100", 700),
                ],
            ),
            (
                dict(
                    receipt_type=ReceiptType.PALLET,
                    received_on=self.days(-30),
                    source=contacts["Laboratoire Dupont"],
                    carrier=contacts["Fret Express Roissy"],
                    origin_reference="BL-2024-0457",
                    carrier_reference="FER-88123",
                    pallet_count=2,
                    carton_count=24,
                ),
                [
                    line("amoxicilline250", 60, "AS24G008", 240),
                    line("cotrimoxazole", 90, "CT24H051", 400),
                    line("glucose", 48, "GL24I300", 620),
                    line("ringer", 48, "RL24I301", 640),
                    line("sro", 500, "SRO24J01", 720),
                    line("compresses10", 100, "CS24K220"),
                    line("compresses7", 80, "CN24K221"),
                    line("velpeau", 120, ""),
                    line("cohesive", 60, ""),
                    line("sparadrap", 40, ""),
                    line("pansements", 50, ""),
                    # Left on the receiving quay, put away later by a transfer.
                    line("seringue5", 400, "SR24L500", location=locations[QUAI]),
                    line("seringue10", 300, "SR24L510"),
                    line("aiguilles", 500, "AG24L600"),
                    line("catheter", 100, "CA24M020"),
                    line("perfuseur", 150, "PF24M030"),
                    line("masque_chir", 1000, "MC24N001", location=locations[QUAI2]),
                    line("masque_ffp2", 400, "MF24N002"),
                    line("tdr", 200, "TD24P090", 200),
                ],
            ),
            (
                dict(
                    receipt_type=ReceiptType.ASSOCIATION,
                    received_on=self.days(-20),
                    source=contacts["Association Santé Solidaire"],
                    carton_count=8,
                    out_of_format=["Fauteuil roulant pliant", "Lot de 4 béquilles"],
                ),
                [
                    line("savon", 60, "", 900),
                    line("dentifrice", 120, "DF24Q011", 540),
                    line("serviettes", 200, ""),
                    line("couches", 40, ""),
                    line("gel100", 240, "GH24R100", 600),
                    line("gel500", 60, "GH24R500", 600),
                    line("chlorhexidine", 36, "CH24S005", 330),
                    line("lingettes", 50, ""),
                    line("gants_m", 100, "GN24T0M"),
                    line("gants_l", 80, "GN24T0L"),
                    line("gants_steriles", 30, "GL24T07"),
                    line("surblouse", 50, ""),
                    line("charlotte", 200, ""),
                ],
            ),
            (
                dict(
                    receipt_type=ReceiptType.OTHER,
                    received_on=self.days(-10),
                    warehouse=warehouses["REC"],
                    notes="Achat de consommables d'emballage.",
                ),
                [
                    line("carton_double", 200, ""),
                    line("carton_simple", 300, ""),
                    line("ruban", 48, ""),
                    line("film", 12, ""),
                    line("etiquettes", 20, ""),
                    line("marqueur", 24, ""),
                ],
            ),
            (
                # An old donation: its povidone lot is now past its expiry date.
                dict(
                    receipt_type=ReceiptType.DONATION,
                    received_on=self.days(-400),
                    source=contacts["Édith Lefèvre"],
                ),
                [
                    line("povidone", 24, "PV23U012", -15),
                    line("thermometre", 15, ""),
                    line("stethoscope", 4, ""),
                ],
            ),
        ]
        key_of = {product.pk: key for key, product in products.items()}
        lots: dict[str, ProductLot] = {}
        for fields, lines in plans:
            receipt = receiving.create_receipt(lines=lines, **fields)
            self._note("réceptions", True)
            for received in receiving.receive_all(receipt):
                # The first lot of a product is the one the history below works on.
                lots.setdefault(key_of[received.product_id], received)
        for key, quantity, donor in (
            ("tensiometre", 3, "Édith Lefèvre"),
            ("oxymetre", 5, "Pharmacie Centrale"),
            ("phmetre", 2, "Laboratoire Dupont"),
        ):
            lots[key] = receiving.quick_entry(
                product=products[key], quantity=quantity, donor=contacts[donor]
            )
            self._note("réceptions", True)
        return lots

    def history(
        self,
        products: dict[str, Product],
        lots: dict[str, ProductLot],
        locations: dict[tuple[str, ...], Location],
    ) -> None:
        """A few days of warehouse life, so that the ledger and the lists have something to show."""
        stock.remove(product=products["paracetamol500"], quantity=72, reason_code="scan_out")
        stock.remove(product=products["gants_m"], quantity=10, reason_code="damaged")
        stock.remove(product=products["serum"], quantity=50, reason_code="donation_out")
        stock.transfer(lot=lots["seringue5"], quantity=400, to_location=locations[B2])
        stock.transfer(lot=lots["masque_chir"], quantity=600, to_location=locations[C1])
        stock.transfer(lot=lots["gel100"], quantity=40, to_location=locations[C2])
        for key, difference in (("compresses10", -2), ("velpeau", 3), ("serviettes", -4)):
            lot = ProductLot.objects.get(pk=lots[key].pk)
            stock.count(
                lot=lot,
                counted=lot.quantity_on_hand + difference,
                seen_on_hand=lot.quantity_on_hand,
            )
        stock.adjust(lot=lots["thermometre"], delta=-1, reason_code="damaged", notes="Écran cassé")

    def stock_already_seeded(self) -> bool:
        return ProductLot.objects.filter(product__sku__startswith=DEMO_SKU_PREFIX).exists()

    def run(self) -> list[str]:
        warehouses = self.warehouses()
        locations = self.locations(warehouses)
        categories = self.categories()
        products = self.products(categories, locations)
        contacts = self.contacts()
        if self.stock_already_seeded():
            stock_line = "Stock de démonstration déjà présent : aucune réception ajoutée."
        else:
            lots_before, movements_before = (
                ProductLot.objects.count(),
                StockMovement.objects.count(),
            )
            lots = self.receipts(products, contacts, locations, warehouses)
            self.history(products, lots, locations)
            self.created["lots"] = ProductLot.objects.count() - lots_before
            self.created["mouvements"] = StockMovement.objects.count() - movements_before
            stock_line = "Stock de démonstration reçu."
        shipping_line = seed_shipping(
            products=products,
            contacts=contacts,
            dock=locations[QUAI2],
            created=self.created,
        )
        order_lines = seed_orders(products=products, created=self.created)
        added = ", ".join(f"{count} {what}" for what, count in self.created.items() if count)
        return [
            f"Données de démonstration ajoutées : {added or 'rien (déjà présentes)'}.",
            stock_line,
            shipping_line,
            *order_lines,
        ]


class Command(BaseCommand):
    help = (
        "Create French demo data (catalogue, warehouses, contacts, receipts and stock, cartons "
        "and shipments, associations and their orders) and the demo logins magasinier "
        "(Worker), responsable (Manager) and the portal users asso1 / asso2. DEBUG only; "
        "idempotent."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DJANGO_DEBUG=true (demo passwords are printed)."
            )
        with transaction.atomic():
            for line in Seeder().run():
                self.stdout.write(line)
        self.seed_logins()

    def seed_logins(self) -> None:
        password = settings.DEMO_PASSWORD or secrets.token_urlsafe(12)
        with transaction.atomic():
            for username, group_name in DEMO_USERS:
                user, _created = User.objects.get_or_create(username=username)
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=group_name))
            # The associations' portal users (wms.demo_orders): no group, the same password.
            for user in User.objects.filter(username__in=PORTAL_USERNAMES):
                user.set_password(password)
                user.save()
        names = " / ".join(name for name, _ in DEMO_USERS)
        self.stdout.write(f"Demo logins: {names} — password: {password}")
        portal = " / ".join(PORTAL_EMAILS)
        self.stdout.write(
            f"Portal logins (/portal/login/, by email; users {' / '.join(PORTAL_USERNAMES)}): "
            f"{portal} — password: {password}"
        )
