"""The envelope flow on the MongoDB adapter (mongomock with server comparisons and BSON storage): the same
service, the same queries, a subscription agreement from draft to completed and filed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.signing.envelopes import EnvelopeStatus
from fidus_desktop.integrations.signing.validation import validate_pdf
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.envelopes import EnvelopeFilter, SignerInput
from fidus_desktop.store.schema import migrate
from tests.signing.envelope_office import BACK, DRAWN, PM, TYPED
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import PASSPHRASE
from tests.support.users import ADMIN_PASSWORD


@pytest.fixture
def services(memory_keyring: object) -> Iterator[Services]:
    mongomock = pytest.importorskip("mongomock")
    from fidus_desktop.store.mongo import MongoStore
    from tests.support.mongomock_shim import bson_storage, server_comparisons

    with server_comparisons(), bson_storage():
        store = MongoStore(mongomock.MongoClient(), "office", supports_transactions=False)
        migrate(store)
        built = Services(ServiceContext(store), secrets=SecretStore(memory_keyring))  # type: ignore[arg-type]
        built.keys.kdf = CHEAP_KDF
        built.ensure_indexes()
        yield built
        store.close()


def test_a_subscription_agreement_completes_on_mongodb(services: Services) -> None:
    admin = services.users.create_first_admin("admin", ADMIN_PASSWORD, "Administrator").actor()
    services.keys.init(admin, PASSPHRASE)
    services.signing.create_office_certificate(admin, "Office", "Test Fund Management")
    p = services.portfolio
    fund = p.funds.create_fund(admin, "GLB", "Global", "EUR")
    eur = p.funds.create_class(admin, fund.fund_id, "GLB-A-EUR", "A EUR", "EUR", launch_date="2023-01-01")
    ann = p.investors.create_investor(admin, "INV-1", "Ann Smith", "individual", email="ann@example.com")
    envelopes = services.envelopes
    envelope = envelopes.create_from_template(
        PM, "subscription_agreement", ann.investor_id,
        [SignerInput("Ann Smith", "ann@example.com", "investor", 1), SignerInput("Maria", "", "office_signatory", 2)],
        class_id=eur.class_id, amount="250000")
    envelope = envelopes.send(PM, envelope.envelope_id, envelope.version)
    assert envelopes.count(PM, EnvelopeFilter(status=EnvelopeStatus.SENT)) == 1
    assert envelopes.find_id(PM, envelope.reference) == envelope.envelope_id
    envelope = envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s1", DRAWN, "ID document seen")
    envelope = envelopes.sign(BACK, envelope.envelope_id, envelope.version, "s2", TYPED, "Known client")
    assert envelope.status is EnvelopeStatus.COMPLETED
    signed = envelopes.document_pdf(PM, envelope.envelope_id, 0)
    assert isinstance(signed, bytes)
    assert all(r.good for r in validate_pdf(signed, services.signing.trust_roots()))
    assert envelopes.signed_agreement(ann.investor_id) is not None
    assert [e.title for e in envelopes.page(PM, EnvelopeFilter(text="subscription"))] == [envelope.title]
    assert envelopes.count(PM, EnvelopeFilter(status="expired")) == 0
