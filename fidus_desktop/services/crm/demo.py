"""The demo office's pipeline: about 60 prospects across the stages, made through ``ProspectService`` (so
each has its stage log and audit entries like a real one), with follow-ups around today, some overdue, and
three duplicates to merge; then their follow-up activities (order 31) and two referral agents (order 32).

Order 30: after the portfolio (duplicate checks look at its investors; one won prospect is converted).
"""

from __future__ import annotations

from datetime import timedelta

from fidus_desktop.services.crm.prospects import DuplicatesFound
from fidus_desktop.services.demo import DemoRun

FIRST_NAMES = ["Amelia", "Noah", "Sofia", "Lucas", "Hannah", "Oliver", "Clara", "Mateo", "Ines", "Felix",
               "Nora", "Elias"]
LAST_NAMES = ["Hartmann", "Lindqvist", "Marchetti", "Dubois", "Vogel", "Brennan", "Jansen", "Ruiz", "Ferreira",
              "Baumann", "Kowalski", "Novak"]
ORGANISATIONS = ["Alpine Family Office AG", "Rhein Pension Fund", "Northgate Endowment Trust",
                 "Lakeside Foundation", "Meridian Insurance plc", "Harbour Church Trust", "Tessin Holding SA",
                 "Kestrel Charitable Trust", "Danube Medical Foundation", "Solent Pension Scheme",
                 "Geneva Lakeside Holding SA", "Brightwater University Endowment"]
COUNTRIES = ["DE", "GB", "CH", "FR", "NL", "AT", "LU"]
SOURCES = ["referral", "event", "website", "existing investor", "agent"]
OWNERS = ["maria.costa", "lena.fischer"]
# (stage, how many): the board of an office a few months into its pipeline
STAGES = [("Lead", 24), ("Negotiation", 18), ("Won", 9), ("Lost", 9)]
DUPLICATES = 3  # prospects entered twice (another e-mail case, the name again), for the user to merge


def demo_prospects(run: DemoRun) -> None:
    prospects, rng, actor = run.services.prospects, run.rng, run.actor
    lost_reasons = run.services.crm_stages.lost_reasons()
    today = prospects.now().date()
    people = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(people)
    names = [{"first_name": f, "last_name": last, "email": f"{f}.{last}@example.com".lower()}
             for f, last in people[:54]] + [{"organisation": o} for o in ORGANISATIONS]
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
    demo_duplicates(run)


def demo_duplicates(run: DemoRun) -> None:
    """Three prospects entered again by someone else: the same person with the e-mail in capitals, from an
    event; kept beside the original (``allow_duplicates``) for the user to merge."""
    prospects, actor = run.services.prospects, run.actor
    originals = [p for p in prospects.list(actor, stage="Lead") if p.email][:DUPLICATES]
    for original in originals:
        prospects.create(actor, {"first_name": original.first_name, "last_name": original.last_name,
                                 "email": (original.email or "").upper(), "source": "event",
                                 "owner": "lena.fischer" if original.owner == "maria.costa" else "maria.costa"},
                         allow_duplicates=True)
    run.made["duplicates"] = len(originals)


# (kind, title, days from now it is due, done already): a pipeline's everyday follow-ups
FOLLOW_UPS = [("call", "Intro call", -6, True), ("meeting", "Presentation of the fixed-yield note", 1, False),
              ("email", "Send fact sheet", -1, False), ("call", "Check in after the proposal", 0, False),
              ("document_request", "Passport and proof of address", 2, False), ("todo", "Prepare term sheet", 4, False),
              ("meeting", "Meeting with the investment committee", 12, False)]


def demo_activities(run: DemoRun) -> None:
    """Follow-ups on the open prospects (order 31, after them): some done, some overdue, some today and
    later, assigned to the prospect's owner or to the demo administrator, so every user's "my day" has work.
    A completed call chains its next step like a real one."""
    activities, rng, actor = run.services.crm_activities, run.rng, run.actor
    now = activities.now().astimezone()
    open_stages = {s.name for s in run.services.crm_stages.stages() if s.kind.value == "open"}
    made = 0
    for prospect in run.services.prospects.list(actor):
        if prospect.stage not in open_stages:
            continue
        for kind, title, days, done in rng.sample(FOLLOW_UPS, 2):
            due = (now + timedelta(days=days)).replace(hour=rng.choice([9, 11, 14, 16]), minute=0, second=0,
                                                       microsecond=0)
            assignee = rng.choice([prospect.owner, actor.username])
            made_one = activities.log(actor, prospect.prospect_id, {"kind": kind, "title": title, "due": due,
                                                                    "assignee": assignee, "priority": rng.choice(
                                                                        ["low", "normal", "normal", "high"])})
            if done:
                activities.complete(actor, made_one.activity_id, outcome="Interested; wants the proposal")
            made += 1
    run.made["activities"] = made


AGENTS = [("AG-001", "Alpine Introductions GmbH", "office@alpine-intro.example", "0.10"),
          ("AG-002", "Harbour Wealth Partners", "desk@harbourwealth.example", "0.125")]


def demo_agents(run: DemoRun) -> None:
    """Two referral agents (order 32, after the portfolio's fixed-yield investments), each the introducer of
    five investors holding fixed-yield investments; last quarter's statements prepared by Lena Fischer (back
    office), the first approved by the demo administrator, so every status is on screen."""
    agents, rng, actor = run.services.crm_agents, run.rng, run.actor
    investments = run.services.portfolio.products.list_investments(actor)
    holders = sorted({i.investor_id for i in investments})
    rng.shuffle(holders)
    for (code, name, email, rate), clients in zip(AGENTS, (holders[:5], holders[5:10]), strict=True):
        agents.add(actor, {"code": code, "name": name, "email": email, "rate": rate})
        for investor_id in clients:
            agents.introduce(actor, code, investor_id)
    today = agents.now().date()
    quarter = (today.month - 1) // 3
    year, last = (today.year, quarter) if quarter else (today.year - 1, 4)
    period = f"{year}-Q{last}"
    back_office = run.made.get("lena.fischer")
    if back_office is not None:
        for code, *_ in AGENTS:
            agents.prepare(back_office.actor(), code, period)
        agents.approve(actor, AGENTS[0][0], period)
    run.made["agents"] = len(AGENTS)
