"""Envelopes through ``EnvelopeService`` on SQLite, against raw pyHanko signing of the same PDF in the same run.

Run: ``uv run python benchmarks/bench_envelopes.py [--write]``. Prints a markdown table; ``--write`` also
replaces the "## Signing envelopes" section of docs/PERFORMANCE.md.

What is measured: a 20-page agreement (reportlab, 40 lines a page) in an envelope with two signers in order.
Each signer's step is one ``EnvelopeService.sign`` (open the sealed current PDF, fill the signer's date field,
PAdES-sign with the office certificate, seal and store the new version, audit); the last step also makes and
signs the certificate of completion and files both PDFs with the investor's encrypted documents. Validating the
completed PDF (two signatures, with modification analysis) is timed too. Then a batch of 100 such envelopes
is completed one after the other (the service writes through one SQLite writer).

Baseline: ``sign_pdf`` on the same PDF, twice (one per signer), without the service's sealing, storage, field
filling or audit; the batch baseline is 200 such signatures.
"""

from __future__ import annotations

import io
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from perf_doc import replace_section
from reportlab.pdfgen import canvas

from fidus_desktop.bootstrap import Services
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.integrations.signing.certificates import OfficeCertificate, create_self_signed
from fidus_desktop.integrations.signing.pades import Placement, SignRequest, sign_pdf
from fidus_desktop.integrations.signing.validation import validate_pdf
from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.envelopes import Capture, EnvelopeService, SignerInput
from fidus_desktop.store.schema import migrate
from fidus_desktop.store.sqlite import SqliteStore

PAGES, BATCH, RUNS = 20, 100, 5
CHEAP = ScryptParams(n=2**14, r=8, p=1)  # key wrapping is not what is measured
SIGNATURE, DATE = (72, 72, 300, 130), (340, 72, 460, 100)


def agreement() -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    for n in range(1, PAGES + 1):
        text = page.beginText(72, 760)
        for line in range(40):
            text.textLine(f"Agreement page {n}, clause {line + 1}: the investor subscribes as set out above.")
        page.drawText(text)
        page.showPage()
    page.save()
    return buf.getvalue()


def timed(fn: Callable[[], object], runs: int = RUNS) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


class Office:
    def __init__(self, folder: Path) -> None:
        self.store = SqliteStore(folder / "office.db")
        migrate(self.store)
        services = Services(ServiceContext(self.store), secrets=SecretStore(InMemoryKeyring()))
        services.keys.kdf = CHEAP
        services.ensure_indexes()
        self.admin: Actor = services.users.create_first_admin("admin", "correct horse battery 42", "Admin").actor()
        services.keys.init(self.admin, "benchmark office passphrase")
        services.signing.create_office_certificate(self.admin, "Benchmark Office", "Benchmark")
        self.investor = services.portfolio.investors.create_investor(self.admin, "INV-1", "Ann Smith", "individual")
        self.envelopes: EnvelopeService = services.envelopes
        self.trust = services.signing.trust_roots()

    def sent(self, pdf: bytes) -> tuple[str, int]:
        e, admin = self.envelopes, self.admin
        env = e.create(admin, "Subscription agreement", "subscription_agreement", self.investor.investor_id)
        env = e.add_document(admin, env.envelope_id, env.version, "agreement.pdf", pdf)
        for order, (name, role) in enumerate((("Ann Smith", "investor"), ("Maria Costa", "office_signatory")), 1):
            env = e.add_signer(admin, env.envelope_id, env.version, SignerInput(name, "", role, order))
        for key, y in (("s1", 0), ("s2", 120)):
            x1, y1, x2, y2 = SIGNATURE
            env = e.place_field(admin, env.envelope_id, env.version, 0, key, "signature", PAGES - 1,
                                (x1, y1 + y, x2, y2 + y))
            x1, y1, x2, y2 = DATE
            env = e.place_field(admin, env.envelope_id, env.version, 0, key, "date", PAGES - 1,
                                (x1, y1 + y, x2, y2 + y))
        env = e.send(admin, env.envelope_id, env.version)
        return env.envelope_id, env.version

    def sign(self, envelope_id: str, version: int, key: str) -> int:
        return self.envelopes.sign(self.admin, envelope_id, version, key, Capture(typed="Ann Smith"),
                                   "ID document seen").version


def raw_pair(pdf: bytes, office: OfficeCertificate) -> bytes:
    once = sign_pdf(pdf, office, SignRequest("s1", "Ann Smith", placement=Placement(PAGES - 1, SIGNATURE)))
    return sign_pdf(once, office, SignRequest("s2", "Maria Costa", placement=Placement(PAGES - 1, (72, 192, 300, 250))))


def main() -> None:
    pdf = agreement()
    raw_office = create_self_signed("Raw Office", "Benchmark")
    with tempfile.TemporaryDirectory() as tmp:
        office = Office(Path(tmp))
        first, second, validation = [], [], []
        for _ in range(RUNS):
            envelope_id, version = office.sent(pdf)
            started = time.perf_counter()
            version = office.sign(envelope_id, version, "s1")
            first.append(time.perf_counter() - started)
            started = time.perf_counter()
            office.sign(envelope_id, version, "s2")
            second.append(time.perf_counter() - started)
            signed = office.envelopes.document_pdf(office.admin, envelope_id, 0)
            assert isinstance(signed, bytes)
            started = time.perf_counter()
            reports = validate_pdf(signed, office.trust)
            validation.append(time.perf_counter() - started)
            assert len(reports) == 2
            assert all(r.good for r in reports), [r.summary() for r in reports]
        raw = timed(lambda: raw_pair(pdf, raw_office))
        raw_signed = raw_pair(pdf, raw_office)
        raw_check = timed(lambda: validate_pdf(raw_signed, [raw_office.certificate]))
        started = time.perf_counter()
        for _ in range(BATCH):
            envelope_id, version = office.sent(pdf)
            office.sign(envelope_id, office.sign(envelope_id, version, "s1"), "s2")
        batch = time.perf_counter() - started
        started = time.perf_counter()
        for _ in range(BATCH):
            raw_pair(pdf, raw_office)
        raw_batch = time.perf_counter() - started
        office.store.close()
    med = statistics.median
    text = "\n".join([
        "## Signing envelopes",
        "",
        f"`uv run python benchmarks/bench_envelopes.py --write` on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; {time.strftime('%Y-%m-%d')}. A {PAGES}-page "
        f"agreement ({len(pdf) // 1024} KB), two signers in order, SQLite; median of {RUNS}. Baseline: pyHanko's "
        "signing of the same PDF without the service (no sealing, storage, field filling, audit).",
        "",
        "| what | service | baseline | target |",
        "| --- | ---: | ---: | ---: |",
        f"| first signer's step (fill, sign, seal, store, audit) | {med(first):.3f} s | {med(raw) / 2:.3f} s | 1 s |",
        f"| last signer's step (+ certificate of completion signed, PDFs filed with the investor) | "
        f"{med(second):.3f} s | {med(raw) / 2:.3f} s | 1 s |",
        f"| validate the completed PDF (2 signatures, modification analysis) | {med(validation):.3f} s | "
        f"{med(raw_check):.3f} s | 1 s |",
        f"| {BATCH} envelopes sent and completed (2 signatures each), one after the other | {batch:.1f} s | "
        f"{raw_batch:.1f} s | 60 s |",
        "",
        "The service's step costs what pyHanko's signature costs plus opening and sealing the PDF, filling the",
        "fields and the audit; the last step adds the certificate of completion (rendered and signed) and filing",
        "both PDFs with the investor's documents. The batch runs on one SQLite writer, so it is sequential; it",
        "includes sending (preparing the fields) for every envelope.",
    ])
    print(text)
    if "--write" in sys.argv:
        replace_section(text)


if __name__ == "__main__":
    main()
