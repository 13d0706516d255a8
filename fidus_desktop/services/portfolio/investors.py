"""Investors and their investment accounts (one per investor per share class).

An investor has a unique ``number`` (e.g. ``INV-00017``), is an ``individual`` or a ``corporate``, and may
be linked to the ``user_id`` of a client login. An individual carries its ``nationalities`` (ISO 3166-1 alpha-2
codes, several for a dual national, the first as written on the main identity document) and its
``residence_country``; a corporate its ``incorporation_country``. The AML risk model's country factor scores all
three; sanctions screening uses the nationalities, or a company's country of incorporation, as country evidence.
``name``, ``email``, ``nationalities`` and ``residence_country`` are personal data kept in clear, since every
screen, screening run and risk score needs them (registered in ``INVESTOR_PERSONAL_DATA`` for data-protection
export and erasure); a company's country of incorporation is not personal data. Audit entries of a create
or an edit name the personal fields set or cleared, never their values: the audit chain cannot be edited, so
a value in it would outlive an erasure.

The sensitive fields ``national_id`` (national ID or passport number), ``tax_id``, ``iban`` and
``date_of_birth`` are stored only as AES-256-GCM tokens sealed by the ``Vault``, each with a blind index
(``<field>_bi``, an HMAC of the normalised value) so ``find_by_personal`` can look an investor up without
the plaintext. Setting them needs ``investors.manage`` and the audit entry names the fields, never the values;
``reveal`` needs ``personal_data.read`` and is itself audited (``personal_data.read``). A workstation
without the data key sees ``Locked`` and cannot set them (``VaultLocked``).

An account holds the investor's ``units`` of a class with the performance-fee ``high_water_mark`` and
``period_start``; its natural key is ``(investor_id, class_id)``. Units change only through settled
transactions (``dealing``).

Reading needs ``investors.read``; a ``client`` actor sees only the investors in ``actor.investor_ids``
(``own_accounts.read``). Changes need ``investors.manage``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.countries import CountryError, country_codes, is_country
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed, require
from fidus_desktop.services.personal_data import (
    KYC_RETENTION,
    Locked,
    PersonalDataRegistry,
    PersonalField,
    PersonCollection,
    Vault,
    VaultLocked,
)
from fidus_desktop.services.portfolio._common import check_page, insert_unique, parse_choice, parse_code, parse_date
from fidus_desktop.store.port import Document, Filter, Sort

INVESTORS = "investors"
ACCOUNTS = "accounts"
INVESTOR_KINDS = ("individual", "corporate")
INVESTOR_SORTS = ("number", "name_key", "kind", "updated_at")
SENSITIVE_LABELS = {"national_id": "The national ID or passport number", "tax_id": "The tax ID", "iban": "The IBAN",
                    "date_of_birth": "The date of birth"}
SENSITIVE_FIELDS = tuple(SENSITIVE_LABELS)
IBAN_RE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}")
IDENTIFIER_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{1,39}")
OLDEST_AGE = 120


@dataclass(frozen=True)
class Investor:
    investor_id: str
    number: str
    name: str
    kind: str
    email: str | None
    user_id: str | None
    version: int
    on_file: frozenset[str] = frozenset()  # the sensitive fields holding a sealed value (names, never values)
    relationship_ended_on: date | None = None  # the KYC retention period counts from it (``end_relationship``)
    nationalities: tuple[str, ...] = ()  # ISO 3166-1 alpha-2, individuals only
    residence_country: str | None = None  # ISO 3166-1 alpha-2, individuals only
    incorporation_country: str | None = None  # ISO 3166-1 alpha-2, corporates only

    @classmethod
    def from_doc(cls, doc: Document) -> Investor:
        return cls(doc["_id"], doc["number"], doc["name"], doc["kind"], doc.get("email"), doc.get("user_id"),
                   doc["version"], frozenset(f for f in SENSITIVE_FIELDS if doc.get(f)),
                   doc.get("relationship_ended_on"), nationalities_of(doc), country_of(doc, "residence_country"),
                   country_of(doc, "incorporation_country"))


def nationalities_of(doc: Document) -> tuple[str, ...]:
    """The investor document's nationalities (none once erased: the erasure writes a marker, not a list)."""
    value = doc.get("nationalities")
    return tuple(value) if isinstance(value, list | tuple) else ()


def country_of(doc: Document, name: str) -> str | None:
    """The investor document's ``residence_country`` or ``incorporation_country`` (None once erased: the
    erasure writes a marker, not a code)."""
    value = doc.get(name)
    return value if isinstance(value, str) and is_country(value) else None


@dataclass(frozen=True)
class InvestorDetails:
    """An investor and, per sensitive field on file, ``None`` (this workstation can reveal it) or ``Locked``."""

    investor: Investor
    sealed: dict[str, Locked | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Account:
    account_id: str
    investor_id: str
    class_id: str
    fund_id: str
    units: Decimal
    high_water_mark: Decimal | None
    period_start: date | None
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> Account:
        return cls(doc["_id"], doc["investor_id"], doc["class_id"], doc["fund_id"], doc["units"],
                   doc.get("high_water_mark"), doc.get("period_start"), doc["version"])


# Where investors' personal data lives (the portfolio feature declares it): sealed identity fields with blind
# indexes, and the fields pseudonymised on erasure. Identity evidence is kept for the KYC period after the
# relationship ends.
INVESTOR_PERSONAL_DATA = PersonalDataRegistry(
    fields=[
        PersonalField(INVESTORS, "national_id", "national_id", "investor.national_id", index_field="national_id_bi"),
        PersonalField(INVESTORS, "tax_id", "national_id", "investor.tax_id", index_field="tax_id_bi"),
        PersonalField(INVESTORS, "iban", "iban", "investor.iban", index_field="iban_bi"),
        PersonalField(INVESTORS, "date_of_birth", "date", "investor.date_of_birth", index_field="date_of_birth_bi"),
    ],
    people=[
        PersonCollection(INVESTORS, "_id", ("name", "name_key", "email", "nationalities", "residence_country",
                                            "national_id", "tax_id", "iban", "date_of_birth"), KYC_RETENTION,
                         # the CRM's Google e-mails, mail read and Drive link for the investor (services/crm/google.py)
                         dependents=(("crm_outbox", "party_id"), ("crm_mail", "party_id"),
                                     ("crm_mail_state", "party_id"), ("crm_google_links", "party_id"))),
    ],
)


def _specs() -> dict[str, PersonalField]:
    return INVESTOR_PERSONAL_DATA.fields_of(INVESTORS)


def _spec(name: str) -> PersonalField:
    if name not in SENSITIVE_LABELS:
        raise ValidationError({"field": f"{name!r} is not a sensitive investor field; use one of "
                                        f"{', '.join(SENSITIVE_FIELDS)}."})
    return _specs()[name]


def _personal_fields() -> tuple[str, ...]:
    """The investor fields registered as personal data (name, e-mail, the sealed fields), blind indexes aside."""
    return INVESTOR_PERSONAL_DATA.people[0].fields_to_pseudonymise


def audit_image(doc: Document) -> Document:
    """``doc`` without personal values, sealed tokens or blind indexes: the audit chain cannot be edited, so
    whatever it keeps would survive a data-protection erasure."""
    hidden = {*_personal_fields(), *(spec.index_field for spec in _specs().values() if spec.index_field)}
    return {k: v for k, v in doc.items() if k not in hidden}


def personal_changes(before: Document, after: Document) -> dict[str, list[str]]:
    """The names of the personal fields a change set and cleared, for the audit entry (never the values)."""
    changed = [name for name in _personal_fields() if before.get(name) != after.get(name)]
    return {"set": sorted(n for n in changed if after.get(n) is not None),
            "cleared": sorted(n for n in changed if after.get(n) is None)}


def parse_iban(value: Any) -> str:
    """The IBAN without spaces, upper case, with valid ISO 13616 mod-97 check digits."""
    text = "".join(value.split()).upper() if isinstance(value, str) else ""
    if not IBAN_RE.fullmatch(text):
        raise ValidationError({"iban": f"{value!r} is not an IBAN: a country code, two check digits and 11-30 "
                                       "letters or digits, e.g. DE89 3704 0044 0532 0130 00."})
    digits = "".join(str(int(ch, 36)) for ch in text[4:] + text[:4])
    if int(digits) % 97 != 1:
        raise ValidationError({"iban": f"The IBAN {value.strip()} fails its check digits (mod 97): a character is "
                                       "mistyped; copy it again from the bank document."})
    return text


def parse_identifier(value: Any, name: str) -> str:
    """A national ID, passport number or tax ID as typed (trimmed): 2-40 letters, digits, spaces, '.', '/', '-'."""
    label = SENSITIVE_LABELS[name]
    text = Service.required_text(value, name, label, max_length=40)
    if not IDENTIFIER_RE.fullmatch(text):
        raise ValidationError({name: f"{label} {text!r} may hold only letters, digits, spaces, '.', '/' and '-' "
                                     "(2-40 characters)."})
    return text


def parse_birth_date(value: Any, today: date) -> date:
    """A plausible date of birth: not in the future, not more than ``OLDEST_AGE`` years ago."""
    day = parse_date(value, "date_of_birth", "The date of birth", today=today)
    if day > today:
        raise ValidationError({"date_of_birth": f"The date of birth {day.isoformat()} is in the future."})
    if today.year - day.year > OLDEST_AGE:
        raise ValidationError({"date_of_birth": f"The date of birth {day.isoformat()} is more than {OLDEST_AGE} "
                                                "years ago; check the year."})
    return day


def parse_nationalities(value: Any, kind: str | None) -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes (a list, or text such as ``"DE, FR"``); a company has none (its country is
    where it is incorporated)."""
    try:
        codes = country_codes(value)
    except CountryError as exc:
        raise ValidationError({"nationalities": str(exc)}) from None
    if codes and kind == "corporate":
        raise ValidationError({"nationalities": "A corporate investor has no nationality; leave it empty."})
    return codes


COUNTRY_FIELDS = {"residence_country": ("individual", "country of residence"),
                  "incorporation_country": ("corporate", "country of incorporation")}
"""The single-country fields: which investor kind carries each, and its label in messages."""


def parse_country(value: Any, name: str, kind: str | None) -> str | None:
    """One ISO 3166-1 alpha-2 code for ``residence_country`` (individuals) or ``incorporation_country``
    (corporates); empty or None → None."""
    carrier, label = COUNTRY_FIELDS[name]
    try:
        codes = country_codes(value, label)
    except CountryError as exc:
        raise ValidationError({name: str(exc)}) from None
    if len(codes) > 1:
        raise ValidationError({name: f"Give one {label}, not {len(codes)} ({', '.join(codes)})."})
    if codes and kind is not None and kind != carrier:
        other = "an individual" if carrier == "corporate" else "a corporate investor"
        raise ValidationError({name: f"Only {'a corporate investor' if carrier == 'corporate' else 'an individual'}"
                                     f" has a {label}; leave it empty for {other}."})
    return codes[0] if codes else None


def investor_filter(search: str | None = None, kind: str | None = None) -> Filter:
    """The store filter behind the investors table's search box and kind selector."""
    clauses: list[Filter] = []
    if search and search.strip():
        text = search.strip()
        clauses.append({"$or": [{"number": {"$istartswith": text}}, {"name_key": {"$icontains": text}}]})
    if kind:
        clauses.append({"kind": parse_choice(kind, INVESTOR_KINDS, "kind", "The investor kind")})
    return {"$and": clauses} if clauses else {}


class InvestorService(Service):
    """Create, edit, page through investors; open and read accounts."""

    def __init__(self, ctx: ServiceContext, vault: Vault) -> None:
        super().__init__(ctx)
        self.vault = vault
        self.investors = ctx.store.collection(INVESTORS)
        self.accounts = ctx.store.collection(ACCOUNTS)
        self._saved_listeners: list[Callable[[Investor], None]] = []

    def on_saved(self, listener: Callable[[Investor], None]) -> None:
        """Call ``listener`` with every investor created or edited, once the change is stored (another
        feature's follow-up, e.g. sanctions screening, wired by that feature)."""
        self._saved_listeners.append(listener)

    def _saved(self, investor: Investor) -> Investor:
        for listener in self._saved_listeners:
            listener(investor)
        return investor

    def ensure_indexes(self) -> None:
        self.investors.ensure_index(["number"], unique=True)
        self.investors.ensure_index(["name_key"])
        self.investors.ensure_index(["kind", "number"])
        self.investors.ensure_index(["user_id"])
        self.investors.ensure_index(["updated_at"])
        for spec in _specs().values():
            if spec.index_field:
                self.investors.ensure_index([spec.index_field])
        self.accounts.ensure_index(["investor_id", "class_id"], unique=True)
        self.accounts.ensure_index(["class_id"])
        self.accounts.ensure_index(["fund_id"])

    # -- reading ------------------------------------------------------------------------------------
    def _scope(self, actor: Actor, query: Filter) -> Filter:
        """Staff see everyone; a client only their own investors."""
        if allowed(actor.role, Permission.INVESTORS_READ):
            return query
        require(actor, Permission.OWN_ACCOUNTS_READ)
        own: Filter = {"_id": {"$in": sorted(actor.investor_ids)}}
        return {"$and": [query, own]} if query else own

    def count(self, actor: Actor, query: Filter | None = None) -> int:
        """How many investors match ``query`` (build it with ``investor_filter``)."""
        return self.investors.count(self._scope(actor, query or {}))

    def page(
        self, actor: Actor, query: Filter | None = None, sort: Sort | None = None, offset: int = 0, limit: int = 100
    ) -> list[Investor]:
        """One window of the investors table, sorted on an indexed field (``INVESTOR_SORTS``)."""
        request = check_page(sort, offset, limit, INVESTOR_SORTS, [("number", 1)])
        docs = self.investors.find(self._scope(actor, query or {}), sort=request.sort, skip=request.offset,
                                   limit=request.limit)
        return [Investor.from_doc(d) for d in docs]

    def _readable(self, actor: Actor, investor_id: str) -> Document:
        doc = self.investors.require(investor_id)
        if not allowed(actor.role, Permission.INVESTORS_READ) and investor_id not in actor.investor_ids:
            raise PermissionDenied(f"{actor.username} may only see their own investor records.")
        return doc

    def get(self, actor: Actor, investor_id: str) -> Investor:
        return Investor.from_doc(self._readable(actor, investor_id))

    def details(self, actor: Actor, investor_id: str) -> InvestorDetails:
        """The investor and which sensitive fields are on file and openable here (nothing is decrypted)."""
        doc = self._readable(actor, investor_id)
        return InvestorDetails(Investor.from_doc(doc), {name: self.vault.locked(doc[name])
                                                        for name in SENSITIVE_FIELDS if doc.get(name)})

    def reveal(self, actor: Actor, investor_id: str, name: str) -> str | Locked | None:
        """One sensitive field in clear (audited ``personal_data.read``), ``Locked`` without the key, None if unset."""
        spec = _spec(name)
        token = self._readable(actor, investor_id).get(name)
        if token is None:
            require(actor, Permission.PERSONAL_DATA_READ)
            return None
        return self.vault.reveal(actor, token, spec.context, entity="investor", entity_id=investor_id, field=name)

    def find_by_personal(self, actor: Actor, name: str, value: Any) -> list[Investor]:
        """Investors whose sensitive field ``name`` equals ``value`` (normalised), found by blind index.

        Needs ``personal_data.read``: a match tells who holds a number. During a rotation the value's index
        under every loaded key is looked up (``$in``), so records not yet re-encrypted are found too.
        """
        require(actor, Permission.PERSONAL_DATA_READ)
        spec = _spec(name)
        wanted = self._parsed(name, value, None)
        indexes = self.vault.lookup_indexes(wanted, spec.kind)
        if not indexes:
            raise VaultLocked(
                f"Cannot search by {SENSITIVE_LABELS[name].removeprefix('The ')} here: this workstation holds no "
                "current data key (not enrolled, or enrolled before a key rotation). Enrol it under Admin → Keys "
                "or with `fidus key enroll`."
            )
        if spec.index_field is None:
            raise ValidationError({"field": f"{SENSITIVE_LABELS[name]} is not searchable (it has no blind index)."})
        docs = self.investors.find(self._scope(actor, {spec.index_field: {"$in": indexes}}), sort=[("number", 1)])
        return [Investor.from_doc(d) for d in docs]

    def find_by_iban(self, actor: Actor, iban: Any) -> list[Investor]:
        return self.find_by_personal(actor, "iban", iban)

    def find_by_national_id(self, actor: Actor, national_id: Any) -> list[Investor]:
        return self.find_by_personal(actor, "national_id", national_id)

    def by_number(self, number: str) -> Investor | None:
        doc = self.investors.find_one({"number": number.strip().upper()})
        return Investor.from_doc(doc) if doc else None

    def accounts_of(self, actor: Actor, investor_id: str) -> list[Account]:
        self.get(actor, investor_id)
        return [Account.from_doc(d) for d in self.accounts.find({"investor_id": investor_id})]

    def with_accounts(self, actor: Actor) -> list[Investor]:
        """Investors with at least one account (any class, even emptied), in number order, as ``actor`` may see."""
        held = sorted({d["investor_id"] for d in self.accounts.find(projection=["investor_id"])})
        return [Investor.from_doc(d) for d in self.investors.find(self._scope(actor, {"_id": {"$in": held}}),
                                                                  sort=[("number", 1)])]

    def accounts_in_class(self, class_id: str) -> list[Account]:
        """Every account of a class (fee settlement and figures; callers check permissions)."""
        return [Account.from_doc(d) for d in self.accounts.find({"class_id": class_id})]

    def account(self, investor_id: str, class_id: str) -> Account | None:
        doc = self.accounts.find_one({"investor_id": investor_id, "class_id": class_id})
        return Account.from_doc(doc) if doc else None

    # -- changing -----------------------------------------------------------------------------------
    def investor_doc(self, number: Any, name: Any, kind: Any, *, email: Any = None, user_id: Any = None,
                     nationalities: Any = None, residence_country: Any = None,
                     incorporation_country: Any = None) -> Document:
        """A validated new investor document (also used by the demo's bulk load); every problem at once."""
        problems: dict[str, str] = {}
        doc: Document = {"email": email, "user_id": user_id, "updated_at": self.now()}
        for field_name, parse in (
                ("name", lambda: self.required_text(name, "name", "The investor name")),
                ("number", lambda: parse_code(number, "number", "The investor number")),
                ("kind", lambda: parse_choice(kind, INVESTOR_KINDS, "kind", "The investor kind"))):
            try:
                doc[field_name] = parse()
            except ValidationError as exc:
                problems.update(exc.problems)
        if email is not None and (not isinstance(email, str) or "@" not in email or len(email) > 200):
            problems["email"] = f"{email!r} is not an e-mail address like name@example.com."
        try:
            doc["nationalities"] = list(parse_nationalities(nationalities, doc.get("kind"))) or None
        except ValidationError as exc:
            problems.update(exc.problems)
        for country_field, value in (("residence_country", residence_country),
                                     ("incorporation_country", incorporation_country)):
            try:
                doc[country_field] = parse_country(value, country_field, doc.get("kind"))
            except ValidationError as exc:
                problems.update(exc.problems)
        if problems:
            raise ValidationError(problems)
        doc["name_key"] = doc["name"].casefold()
        return doc

    def matching(self, *, email: str | None, name: str | None) -> list[Investor]:
        """Investors with this e-mail (any case) or exactly this name (any case): CRM duplicate checks, which
        check the caller's own permission."""
        wanted = (email or "").strip().lower()
        clauses: list[Filter] = []
        if wanted:
            clauses.append({"email": {"$istartswith": wanted}})
        if name and name.strip():
            clauses.append({"name_key": name.strip().casefold()})
        if not clauses:
            return []
        found = self.investors.find({"$or": clauses}, limit=50)
        return [Investor.from_doc(d) for d in found
                if (d.get("email") or "").strip().lower() == wanted or d["name_key"] == (name or "").strip().casefold()]

    def create_investor(
        self, actor: Actor, number: Any, name: Any, kind: Any, *, email: Any = None, user_id: Any = None,
        nationalities: Any = None, residence_country: Any = None, incorporation_country: Any = None,
    ) -> Investor:
        """A new investor; ``nationalities``: ISO codes (a list, or ``"DE, FR"``) and ``residence_country``,
        individuals only; ``incorporation_country``, corporates only."""
        doc = self.investor_doc(number, name, kind, email=email, user_id=user_id, nationalities=nationalities,
                                residence_country=residence_country, incorporation_country=incorporation_country)

        def write(rec: ChangeRecorder) -> Document:
            stored = insert_unique(self.investors, doc, "number", f"Investor number {doc['number']} is taken.")
            rec.record("investor.create", "investor", stored["_id"],
                       after={**audit_image(stored), "personal": personal_changes({}, stored)})
            return stored

        stored = self.change(actor, Permission.INVESTORS_MANAGE, write)
        return self._saved(Investor.from_doc(stored))

    def update_investor(
        self, actor: Actor, investor_id: str, version: int, *, name: Any = None, email: Any = None,
        user_id: Any = None, personal: Mapping[str, Any] | None = None, nationalities: Any = None,
        residence_country: Any = None, incorporation_country: Any = None,
    ) -> Investor:
        """Edit name, e-mail, linked user, nationalities, residence and incorporation countries (None:
        unchanged; ``[]`` or ``""`` clears them) and
        sensitive fields (``personal``, as in ``set_personal``) in one change; ``version`` is the one the editor
        read. Every problem is reported at once, under its field,
        and nothing is written unless all are fine. The audit entry names the personal fields set or
        cleared, never a value, a token or a blind index."""

        def write(rec: ChangeRecorder) -> Document:
            before = self.investors.require(investor_id)
            changes: Document = {}
            problems: dict[str, str] = {}
            try:
                fresh = self.investor_doc(before["number"], before["name"] if name is None else name, before["kind"],
                                          email=before.get("email") if email is None else email,
                                          user_id=before.get("user_id") if user_id is None else user_id,
                                          nationalities=nationalities_of(before) if nationalities is None
                                          else nationalities,
                                          residence_country=country_of(before, "residence_country")
                                          if residence_country is None else residence_country,
                                          incorporation_country=country_of(before, "incorporation_country")
                                          if incorporation_country is None else incorporation_country)
                changes.update({k: v for k, v in fresh.items() if k != "number"})
            except ValidationError as exc:
                problems.update(exc.problems)
            parsed = self._parsed_personal(personal or {}, before["kind"], problems)
            if problems:
                raise ValidationError(problems)
            changes.update(self._sealed(parsed))
            after = self.investors.update(investor_id, changes, expected_version=version)
            rec.record("investor.update", "investor", investor_id, before=audit_image(before),
                       after={**audit_image(after), "personal": personal_changes(before, after)})
            return after

        after = self.change(actor, Permission.INVESTORS_MANAGE, write)
        return self._saved(Investor.from_doc(after))

    def end_relationship(self, actor: Actor, investor_id: str, version: int, ended_on: Any) -> Investor:
        """Record the day the business relationship ended (``None``: it goes on again). The KYC retention period
        counts from it: until it has passed, a data-protection erasure keeps the investor's record."""
        today = self.now().date()
        day = None if ended_on is None else parse_date(ended_on, "relationship_ended_on", "The end date", today=today)
        if day is not None and day > today:
            raise ValidationError({"relationship_ended_on": f"{day} is in the future; record the end once it is "
                                                            "over."})

        def write(rec: ChangeRecorder) -> Document:
            before = self.investors.require(investor_id)
            after = self.investors.update(investor_id, {"relationship_ended_on": day, "updated_at": self.now()},
                                          expected_version=version)
            rec.record("investor.relationship_end", "investor", investor_id,
                       before={"relationship_ended_on": before.get("relationship_ended_on")},
                       after={"relationship_ended_on": day})
            return after

        after = self.change(actor, Permission.INVESTORS_MANAGE, write)
        return Investor.from_doc(after)

    def set_personal(self, actor: Actor, investor_id: str, version: int, values: Mapping[str, Any]) -> Investor:
        """Seal the sensitive fields in ``values`` (``None`` clears one; absent ones stay as they are)."""
        if not values:
            raise ValidationError(f"Give at least one of {', '.join(SENSITIVE_FIELDS)} to set or clear.")
        return self.update_investor(actor, investor_id, version, personal=values)

    def _parsed(self, name: str, value: Any, kind: str | None) -> str | date:
        """``value`` validated for the sensitive field ``name`` (``kind`` is the investor's, for a birth date)."""
        if name == "iban":
            return parse_iban(value)
        if name == "date_of_birth":
            if kind == "corporate":
                raise ValidationError({"date_of_birth": "A corporate investor has no date of birth; leave it empty."})
            return parse_birth_date(value, self.now().date())
        return parse_identifier(value, name)

    def _parsed_personal(self, values: Mapping[str, Any], kind: str, problems: dict[str, str]
                         ) -> dict[str, str | date | None]:
        """``values`` validated (None stays None: clear); what is wrong goes into ``problems``."""
        parsed: dict[str, str | date | None] = {}
        for name, value in values.items():
            try:
                _spec(name)
                parsed[name] = None if value is None else self._parsed(name, value, kind)
            except ValidationError as exc:
                problems.update(exc.problems)
        return parsed

    def _sealed(self, parsed: Mapping[str, str | date | None]) -> Document:
        """The store changes for validated sensitive values: sealed tokens and blind indexes (None clears)."""
        changes: Document = {}
        for name, plain in parsed.items():
            spec = _spec(name)
            text = plain.isoformat() if isinstance(plain, date) else plain
            changes[name] = None if text is None else self.vault.seal(text, spec.context)
            if spec.index_field:
                changes[spec.index_field] = None if plain is None else self.vault.blind_index(plain, spec.kind)
        return changes

    def open_account(self, investor_id: str, class_id: str, fund_id: str) -> Document:
        """The account of ``investor_id`` in ``class_id``, created empty if missing.

        Called inside a dealing change (whose audit entry covers it), so it checks no permission itself.
        """
        found = self.accounts.find_one({"investor_id": investor_id, "class_id": class_id})
        if found:
            return found
        self.investors.require(investor_id)
        return self.accounts.insert({"investor_id": investor_id, "class_id": class_id, "fund_id": fund_id,
                                     "units": Decimal(0), "high_water_mark": None, "period_start": None,
                                     "updated_at": self.now()})
