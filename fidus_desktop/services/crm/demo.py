"""The demo office's pipeline: 20 prospects across the stages, made through ``ProspectService`` (so each
has its stage log and audit entries like a real one), with follow-ups around today, some overdue.

Order 30: after the portfolio (duplicate checks look at its investors; one won prospect is converted).
"""

from __future__ import annotations

from datetime import timedelta

from fidus_desktop.services.crm.prospects import DuplicatesFound
from fidus_desktop.services.demo import DemoRun

PEOPLE = [("Amelia", "Hartmann"), ("Noah", "Lindqvist"), ("Sofia", "Marchetti"), ("Lucas", "Dubois"),
          ("Hannah", "Vogel"), ("Oliver", "Brennan"), ("Clara", "Jansen"), ("Mateo", "Ruiz"), ("Ines", "Ferreira"),
          ("Felix", "Baumann"), ("Nora", "Kowalski"), ("Elias", "Novak")]
ORGANISATIONS = ["Alpine Family Office AG", "Rhein Pension Fund", "Northgate Endowment Trust",
                 "Lakeside Foundation", "Meridian Insurance plc", "Harbour Church Trust", "Tessin Holding SA",
                 "Kestrel Charitable Trust"]
COUNTRIES = ["DE", "GB", "CH", "FR", "NL", "AT", "LU"]
SOURCES = ["referral", "event", "website", "existing investor", "agent"]
OWNERS = ["maria.costa", "lena.fischer"]
# (stage, how many): the board of an office a few months into its pipeline
STAGES = [("Lead", 8), ("Negotiation", 6), ("Won", 3), ("Lost", 3)]


def demo_prospects(run: DemoRun) -> None:
    prospects, rng, actor = run.services.prospects, run.rng, run.actor
    lost_reasons = run.services.crm_stages.lost_reasons()
    today = prospects.now().date()
    names = [{"first_name": f, "last_name": last} for f, last in PEOPLE] + [{"organisation": o} for o in ORGANISATIONS]
    rng.shuffle(names)
    made, converted = 0, False
    for stage, count in STAGES:
        for _ in range(count):
            name = names.pop()
            country = rng.choice(COUNTRIES)
            values = {**name, "country": country, "source": rng.choice(SOURCES), "owner": rng.choice(OWNERS),
                      "expected_amount": str(rng.choice([100, 250, 500, 750, 1000, 2500, 5000]) * 1000),
                      "currency": "USD" if rng.random() < 0.3 else "EUR",
                      "next_follow_up": (today + timedelta(days=rng.randint(-10, 30))).isoformat()}
            try:
                prospect = prospects.create(actor, values)
            except DuplicatesFound:  # a demo investor of the same name: skip rather than keep both
                continue
            if stage == "Negotiation":
                prospects.move(actor, prospect.prospect_id, "Negotiation")
            elif stage in ("Won", "Lost"):
                prospects.move(actor, prospect.prospect_id, "Negotiation")
                prospects.move(actor, prospect.prospect_id, stage,
                               reason=rng.choice(lost_reasons) if stage == "Lost" else None)
            if stage == "Won" and not converted:
                prospects.convert(actor, prospect.prospect_id)
                converted = True
            made += 1
    run.made["prospects"] = made
