"""Demo personal data: a data key for the demo office and sealed identity fields on its first investors.

So the demo shows what FIDUS does with personal data: the fields shown as ••••, Reveal (audited), a
workstation without the key seeing them locked. The key is wrapped under a random passphrase nobody is shown
(``--demo`` rebuilds the office on every start and keeps its keys in memory); without a usable keyring
(``fidus init --demo`` on a headless machine) nothing is sealed and ``run.made`` says why. The values are
fictitious and come from their own seeded generator, so the rest of the demo is the same with or without them.
"""

from __future__ import annotations

import random
import secrets
from datetime import date

from fidus_desktop.services.demo import DemoRun
from fidus_desktop.services.keys import KeysNotReady

SEALED_INVESTORS = 25
SEED = 2501


def demo_iban(rng: random.Random) -> str:
    """A German-format IBAN with valid ISO 13616 check digits (the bank code is made up)."""
    bban = "".join(str(rng.randrange(10)) for _ in range(18))
    check = 98 - int(bban + "131400") % 97  # "DE00" moved to the end, letters as numbers (D=13, E=14)
    return f"DE{check:02d}{bban}"


def demo_personal_data(run: DemoRun) -> None:
    """Create the demo's data key, then seal a tax ID, an IBAN and (individuals) a birth date per investor."""
    try:
        run.services.keys.init(run.actor, secrets.token_urlsafe(24))
    except KeysNotReady as exc:
        run.made["personal_data"] = f"no sealed fields: {exc}"
        return
    rng = random.Random(SEED)
    investors = run.services.portfolio.investors
    sealed = investors.page(run.actor, None, None, 0, SEALED_INVESTORS)
    for investor in sealed:
        values = {"tax_id": f"{rng.randrange(10**10, 10**11)}", "iban": demo_iban(rng)}
        if investor.kind == "individual":
            values["date_of_birth"] = date(1945 + rng.randrange(55), rng.randrange(1, 13),
                                           rng.randrange(1, 29)).isoformat()
        investors.set_personal(run.actor, investor.investor_id, investor.version, values)
    run.made["personal_data"] = f"{len(sealed)} investors with sealed fields"
