"""The Google outbox and the CRM's Google service over FakeGoogle: queued once by natural key, sent once
even when an answer is lost or a worker dies, retries by the domain policy, failures that need a person,
reconnecting, permissions and audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.crm.outbox import MAX_ATTEMPTS, JobStatus
from fidus_desktop.errors import UserError
from fidus_desktop.integrations.google.port import MailMessage
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AUDIT
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.crm.outbox import LEASE, JobKind
from fidus_desktop.services.permissions import PermissionDenied, Role
from tests.support.google import GoogleOffice, google_office


@pytest.fixture
def office(tmp_path: Path, secrets: SecretStore) -> Iterator[GoogleOffice]:
    with google_office(tmp_path, secrets) as made:
        yield made


def queue_email(office: GoogleOffice, subject: str = "Your proposal, {first_name}") -> str:
    job, new = office.google.send_email(office.manager, office.prospect_id, subject,
                                        "Dear {name},\nas discussed: {expected_amount} {currency}. Next: {next_step}.",
                                        [("terms.pdf", b"%PDF-1.7 terms")])
    assert new
    return job.job_id


def run(office: GoogleOffice) -> None:
    office.google.run_outbox(office.manager)


def status(office: GoogleOffice, job_id: str) -> JobStatus:
    return office.ctx.services.crm_outbox.get(office.manager, job_id).status


def test_an_email_is_queued_once_merged_and_sent_once(office: GoogleOffice) -> None:
    job_id = queue_email(office)
    again, new = office.google.send_email(office.manager, office.prospect_id, "Your proposal, {first_name}",
                                          "Dear {name},\nas discussed: {expected_amount} {currency}. "
                                          "Next: {next_step}.", [("terms.pdf", b"%PDF-1.7 terms")])
    assert (again.job_id, new) == (job_id, False)
    assert office.fake.sent == []  # nothing leaves before the worker runs
    run(office)
    (sent,) = office.fake.sent
    assert (sent.to, sent.subject) == ("anna@example.com", "Your proposal, Anna")
    assert sent.body == "Dear Anna Muster,\nas discussed: 250000 EUR. Next: send the proposal."
    assert [(a.filename, a.mime_type) for a in sent.attachments] == [("terms.pdf", "application/pdf")]
    done = office.ctx.services.crm_outbox.get(office.manager, job_id)
    assert done.status is JobStatus.DONE
    assert done.result["gmail_id"] == "m1"
    run(office)
    assert len(office.fake.sent) == 1


def test_an_answer_lost_after_gmail_sent_is_found_by_message_id_not_resent(office: GoogleOffice) -> None:
    job_id = queue_email(office)
    office.fake.lose_answer_next()
    run(office)
    waiting = office.ctx.services.crm_outbox.get(office.manager, job_id)
    assert waiting.status is JobStatus.QUEUED
    assert "no answer from Google" in waiting.reason
    assert waiting.next_attempt_at is not None
    run(office)  # not due yet: backoff
    assert status(office, job_id) is JobStatus.QUEUED
    office.clock.now = waiting.next_attempt_at
    run(office)
    assert len(office.fake.sent) == 1
    done = office.ctx.services.crm_outbox.get(office.manager, job_id)
    assert done.status is JobStatus.DONE
    assert done.result["found_after_retry"] is True


def test_a_worker_killed_midway_leaves_the_job_to_be_checked_after_its_lease(office: GoogleOffice) -> None:
    job_id = queue_email(office)
    claimed = office.ctx.services.crm_outbox.claim(office.manager)  # the worker took it …
    assert claimed is not None
    office.fake.send_email(_outgoing(office, job_id))  # … Gmail sent it …
    # … and the worker died before recording it.
    run(office)
    assert status(office, job_id) is JobStatus.RUNNING  # another worker leaves a live lease alone
    office.clock.advance(seconds=LEASE.total_seconds() + 1)
    run(office)
    assert status(office, job_id) is JobStatus.DONE
    assert len(office.fake.sent) == 1


def _outgoing(office: GoogleOffice, job_id: str):
    from fidus_desktop.integrations.google.port import Attachment, OutgoingEmail

    p = office.ctx.services.crm_outbox.payload(job_id)
    return OutgoingEmail(p["to"], p["subject"], p["body"], p["message_id"],
                         tuple(Attachment(a["filename"], a["mime_type"], a["data"]) for a in p["attachments"]))


def test_rate_limits_back_off_until_the_attempts_run_out(office: GoogleOffice) -> None:
    job_id = queue_email(office)
    office.fake.fail_next(429, times=MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        job = office.ctx.services.crm_outbox.get(office.manager, job_id)
        if job.next_attempt_at:
            office.clock.now = max(office.clock.now, job.next_attempt_at)
        run(office)
    failed = office.ctx.services.crm_outbox.get(office.manager, job_id)
    assert failed.status is JobStatus.FAILED
    assert f"{MAX_ATTEMPTS} times" in failed.reason
    office.ctx.services.crm_outbox.retry(office.manager, job_id)
    run(office)
    assert status(office, job_id) is JobStatus.DONE
    assert len(office.fake.sent) == 1


def test_a_refused_request_stops_for_a_person_and_can_be_cancelled(office: GoogleOffice) -> None:
    job_id = queue_email(office)
    office.fake.fail_next(400)
    run(office)
    failed = office.ctx.services.crm_outbox.get(office.manager, job_id)
    assert failed.status is JobStatus.FAILED
    assert failed.reason.startswith("HTTP 400")
    office.ctx.services.crm_outbox.cancel(office.manager, job_id)
    run(office)
    assert status(office, job_id) is JobStatus.CANCELLED
    assert office.fake.sent == []
    with pytest.raises(ValidationError, match="only a failed job"):
        office.ctx.services.crm_outbox.retry(office.manager, job_id)


def test_revoked_consent_asks_to_reconnect_and_reconnecting_sends(office: GoogleOffice) -> None:
    first, second = queue_email(office), queue_email(office, "Follow-up")
    office.fake.fail_next(401)
    report = office.google.run_outbox(office.manager)
    assert report.reconnect
    assert (report.failed, report.done) == (1, 0)  # the run stops: the next job would fail the same way
    assert office.google.status(office.manager).needs_reconnect
    assert office.google.status(office.manager).summary == "Google: reconnect needed (manager@office.example)"
    assert office.ctx.services.crm_outbox.get(office.manager, first).needs_reconnect
    office.google.connect(office.manager)
    assert not office.google.status(office.manager).needs_reconnect
    run(office)
    assert (status(office, first), status(office, second)) == (JobStatus.DONE, JobStatus.DONE)


def test_not_connected_nothing_runs_and_it_says_how_to_connect(office: GoogleOffice) -> None:
    job_id = queue_email(office)
    office.google.disconnect(office.manager)
    assert office.google.status(office.manager).summary == "Google: not connected"
    with pytest.raises(UserError, match="connect it first"):
        run(office)
    assert status(office, job_id) is JobStatus.QUEUED


def test_not_configured_is_said_honestly(office: GoogleOffice) -> None:
    office.connector.problem_text = "Google is not configured for this office: …"
    status_now = office.google.status(office.manager)
    assert (status_now.configured, status_now.summary) == (False, "Google: not configured for this office")


def test_a_meeting_invites_the_prospect_with_meet_and_can_be_moved_and_cancelled(office: GoogleOffice) -> None:
    start = datetime(2026, 3, 9, 10, tzinfo=UTC)
    job, _ = office.google.schedule_meeting(office.manager, office.prospect_id, "Introduction", start,
                                            start.replace(hour=11), description="Fund presentation",
                                            time_zone="Europe/Berlin")
    run(office)
    (request,) = office.fake.meetings.values()
    assert request.attendees == ("anna@example.com",)
    assert request.time_zone == "Europe/Berlin"
    assert request.event_id.startswith("fidus")
    assert set(request.event_id) <= set("abcdefghijklmnopqrstuv0123456789")
    done = office.ctx.services.crm_outbox.get(office.manager, job.job_id)
    assert done.result["meet_link"].startswith("https://meet.google.com/")
    office.google.reschedule_meeting(office.manager, job.job_id, start.replace(day=10), start.replace(day=10, hour=11))
    office.google.cancel_meeting(office.manager, job.job_id)
    run(office)
    assert office.fake.meetings[request.event_id].start == start.replace(day=10)
    assert request.event_id in office.fake.cancelled
    kinds = [e.kind for e in office.google.timeline(office.manager, office.prospect_id)]
    assert sorted(kinds) == ["meeting", "meeting cancelled", "meeting moved"]


def test_a_meeting_is_also_planned_as_an_activity_once(office: GoogleOffice) -> None:
    """The issue: a meeting shows "in the timeline and as an activity"; asking again queues nothing new."""
    start = datetime(2026, 3, 9, 10, tzinfo=UTC)
    for _ in range(2):
        office.google.schedule_meeting(office.manager, office.prospect_id, "Introduction", start,
                                       start.replace(hour=11))
    activities = office.ctx.services.crm_activities.for_record(office.manager, prospect_id=office.prospect_id)
    meetings = [a for a in activities if a.kind == "meeting"]
    assert [(m.title, m.due, m.status) for m in meetings] == [("Introduction", start, "open")]


def test_a_refused_activity_leaves_no_invitation_queued(office: GoogleOffice,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise ValidationError({"due": "refused"})

    monkeypatch.setattr(office.ctx.services.crm_activities, "record_meeting", refuse)
    start = datetime(2026, 3, 9, 10, tzinfo=UTC)
    with pytest.raises(ValidationError):
        office.google.schedule_meeting(office.manager, office.prospect_id, "Introduction", start,
                                       start.replace(hour=11))
    assert office.ctx.services.crm_outbox.list(office.manager) == []


@pytest.mark.parametrize(("values", "field"), [
    ({"summary": "", "end_hour": 11}, "summary"), ({"summary": "x", "end_hour": 9}, "end"),
    ({"summary": "x", "end_hour": 11, "time_zone": "Mars/Base"}, "time_zone")])
def test_bad_meetings_are_refused_by_field(office: GoogleOffice, values: dict[str, object], field: str) -> None:
    start = datetime(2026, 3, 9, 10, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        office.google.schedule_meeting(office.manager, office.prospect_id, str(values["summary"]), start,
                                       start.replace(hour=int(str(values["end_hour"]))),
                                       time_zone=str(values.get("time_zone", "UTC")))
    assert field in caught.value.problems


def test_documents_go_to_one_drive_folder_per_prospect(office: GoogleOffice) -> None:
    folder_job, _ = office.google.drive_folder(office.manager, office.prospect_id)
    office.google.upload(office.manager, office.prospect_id, "statement.pdf", b"%PDF statement")
    _, new = office.google.upload(office.manager, office.prospect_id, "statement.pdf", b"%PDF statement")
    assert not new
    office.google.upload(office.manager, office.prospect_id, "agreement.pdf", b"%PDF agreement")
    run(office)
    folders = [i for i in office.fake.items.values() if i.app_key.startswith("prospect:")]
    assert [f.name for f in folders] == ["Anna Muster (Muster AG)"]
    assert [u.filename for u in office.fake.uploads] == ["statement.pdf", "agreement.pdf"]
    assert {u.folder_id for u in office.fake.uploads} == {folders[0].file_id}
    assert office.google.folder_link(office.manager, office.prospect_id) == folders[0].web_link
    assert status(office, folder_job.job_id) is JobStatus.DONE


def test_merge_fields_are_checked_before_queueing(office: GoogleOffice) -> None:
    with pytest.raises(ValidationError, match=r"\{frist_name\} is not a merge field"):
        office.google.send_email(office.manager, office.prospect_id, "Hello {frist_name}", "")
    assert office.ctx.services.crm_outbox.list(office.manager) == []


def test_mail_is_read_into_the_timeline_incrementally(office: GoogleOffice) -> None:
    def message(n: int, sender: str) -> MailMessage:
        return MailMessage(f"g{n}", "t1", sender, "maria@office.example", f"Subject {n}",
                           datetime(2026, 3, 1, 9, n, tzinfo=UTC), "…")

    office.fake.inbox += [message(1, "anna@example.com"), message(2, "bob@example.com")]
    assert office.google.sync_mail(office.manager, office.prospect_id) == 1
    office.fake.inbox.append(message(3, "Anna <anna@example.com>"))
    assert office.google.sync_mail(office.manager, office.prospect_id) == 1
    assert office.google.sync_mail(office.manager, office.prospect_id) == 0
    titles = [e.title for e in office.google.timeline(office.manager, office.prospect_id)]
    assert titles == ["Subject 3", "Subject 1"]


def test_roles_without_crm_google_cannot_act_but_can_read(office: GoogleOffice) -> None:
    officer = Actor("u-co", "olga", Role.COMPLIANCE_OFFICER, workstation="test")
    with pytest.raises(PermissionDenied):
        office.google.send_email(officer, office.prospect_id, "Hello", "")
    with pytest.raises(PermissionDenied):
        office.google.connect(officer)
    queue_email(office)
    assert [j.kind for j in office.ctx.services.crm_outbox.list(officer)] == [JobKind.SEND_EMAIL]


def test_the_audit_names_each_google_action_but_never_the_message(office: GoogleOffice) -> None:
    queue_email(office)
    run(office)
    entries = office.ctx.store.collection(AUDIT).find({})
    actions = [e["action"] for e in entries]
    assert "google.connect" in actions
    assert "crm.outbox_queue" in actions
    assert "crm.outbox_done" in actions
    text = repr(entries)
    assert "anna@example.com" not in text
    assert "Dear" not in text


def test_erasing_the_prospect_removes_its_queued_mail(office: GoogleOffice) -> None:
    queue_email(office)
    erasing = Actor("u-admin", "admin", Role.ADMIN, workstation="test")
    office.ctx.services.personal_data.erase_person(erasing, office.prospect_id, now=office.clock.now)
    assert office.ctx.services.crm_outbox.list(office.manager) == []


class Killed(BaseException):
    """The worker's process dies (not an error the outbox handles)."""


def test_a_drain_killed_midway_and_restarted_loses_nothing_and_sends_nothing_twice(office: GoogleOffice) -> None:
    count = 60
    ids = [office.google.send_email(office.manager, office.prospect_id, f"Statement {n}", "Attached.")[0].job_id
           for n in range(count)]
    fake, real_send = office.fake, office.fake.send_email

    def dies_after_the_25th(email):
        sent = real_send(email)
        if len(fake.sent) == 25:
            raise Killed  # Gmail has sent it; nothing was recorded here
        return sent

    fake.send_email = dies_after_the_25th  # type: ignore[method-assign]
    with pytest.raises(Killed):
        run(office)
    fake.send_email = real_send  # type: ignore[method-assign]
    office.clock.advance(seconds=LEASE.total_seconds() + 1)  # the restarted worker finds the orphaned job
    run(office)
    assert {status(office, job_id) for job_id in ids} == {JobStatus.DONE}
    subjects = [e.subject for e in fake.sent]
    assert sorted(subjects) == sorted(f"Statement {n}" for n in range(count))  # each exactly once


def test_investors_get_e_mail_meetings_and_a_folder_too(office: GoogleOffice) -> None:
    back_office = Actor("u-admin", "admin", Role.ADMIN, workstation="test")
    investor = office.ctx.services.portfolio.investors.create_investor(
        back_office, "INV-00042", "Bernd Kunde", "individual", email="bernd@example.com")
    office.google.send_email(office.manager, "INV-00042", "Your statement, {name}", "Attached.",
                             [("statement.pdf", b"%PDF statement")])
    office.google.upload(office.manager, investor.investor_id, "agreement.pdf", b"%PDF agreement")
    run(office)
    (sent,) = office.fake.sent
    assert (sent.to, sent.subject) == ("bernd@example.com", "Your statement, Bernd Kunde")
    (folder,) = [i for i in office.fake.items.values() if i.app_key.startswith("investor:")]
    assert folder.name == "Bernd Kunde (INV-00042)"
    assert [e.kind for e in office.google.timeline(office.manager, investor.investor_id)] == ["document",
                                                                                            "e-mail sent"]
    assert office.google.folder_link(office.manager, "INV-00042") == folder.web_link
    with pytest.raises(ValidationError, match="no prospect or investor"):
        office.google.send_email(office.manager, "INV-99999", "Hello", "")
