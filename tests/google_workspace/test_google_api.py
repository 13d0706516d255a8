"""The real Google adapter against googleapiclient's HttpMockSequence with the shipped discovery documents:
the exact requests (paths, query, bodies, the Meet conference request, upload metadata) and how failures
turn into ``GoogleError`` statuses the outbox decides on."""

from __future__ import annotations

import base64
import email
import json
from datetime import UTC, datetime
from email import policy
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from google.oauth2.credentials import Credentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.http import HttpMockSequence

from fidus_desktop.integrations.google.api import GoogleApi
from fidus_desktop.integrations.google.port import (
    Attachment,
    GoogleError,
    MeetingRequest,
    OutgoingEmail,
    Upload,
)

OK = {"status": "200"}


def api(*answers: tuple[dict[str, str], Any]) -> tuple[GoogleApi, HttpMockSequence]:
    http = HttpMockSequence([(h, b if isinstance(b, str) else json.dumps(b)) for h, b in answers])
    return GoogleApi(lambda: http), http


def query(uri: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(uri).query)


def test_send_builds_the_mime_message_with_our_message_id_and_attachment() -> None:
    google, http = api((OK, {"id": "18c1", "threadId": "18c0"}))
    sent = google.send_email(OutgoingEmail("anna@example.com", "Your proposal", "Dear Anna,\nattached.",
                                           "<job-1@fidus-desktop>",
                                           (Attachment("terms.pdf", "application/pdf", b"%PDF-1.7 x"),)))
    assert (sent.gmail_id, sent.thread_id) == ("18c1", "18c0")
    uri, method, body, _ = http.request_sequence[0]
    assert method == "POST"
    assert urlparse(uri).path == "/gmail/v1/users/me/messages/send"
    raw = base64.urlsafe_b64decode(json.loads(body)["raw"])
    message = email.message_from_bytes(raw, policy=policy.default)
    assert message["To"] == "anna@example.com"
    assert message["Subject"] == "Your proposal"
    assert message["Message-ID"] == "<job-1@fidus-desktop>"
    parts = list(message.iter_attachments())
    assert [(p.get_filename(), p.get_content_type(), p.get_content()) for p in parts] == [
        ("terms.pdf", "application/pdf", b"%PDF-1.7 x")]
    assert "Dear Anna," in message.get_body(("plain",)).get_content()


def test_a_large_message_goes_through_the_upload_endpoint() -> None:
    google, http = api((OK, {"id": "m", "threadId": "t"}))
    big = Attachment("statement.pdf", "application/pdf", b"x" * (5 * 1024 * 1024))
    google.send_email(OutgoingEmail("a@example.com", "s", "b", "<k@fidus-desktop>", (big,)))
    uri, _method, body, _headers = http.request_sequence[0]
    assert urlparse(uri).path == "/upload/gmail/v1/users/me/messages/send"
    assert "message/rfc822" in body.decode("latin-1") if isinstance(body, bytes) else "message/rfc822" in body


def test_find_sent_searches_by_message_id() -> None:
    google, http = api((OK, {"messages": [{"id": "m9", "threadId": "t9"}]}), (OK, {"resultSizeEstimate": 0}))
    assert google.find_sent("<job-1@fidus-desktop>").gmail_id == "m9"
    assert query(http.request_sequence[0][0])["q"] == ["rfc822msgid:<job-1@fidus-desktop>"]
    assert google.find_sent("<job-2@fidus-desktop>") is None


def metadata(gmail_id: str, sender: str, to: str, subject: str) -> dict[str, Any]:
    return {"id": gmail_id, "threadId": "t" + gmail_id, "snippet": "hello",
            "payload": {"headers": [{"name": "From", "value": sender}, {"name": "To", "value": to},
                                    {"name": "Subject", "value": subject},
                                    {"name": "Date", "value": "Tue, 1 Dec 2026 10:00:00 +0000"}]}}


def test_first_read_lists_the_address_then_reads_only_what_history_added() -> None:
    google, http = api(
        (OK, {"emailAddress": "me@office.example", "historyId": "500"}),
        (OK, {"messages": [{"id": "a"}], "nextPageToken": "p2"}),
        (OK, {"messages": [{"id": "b"}]}),
        (OK, metadata("a", "Anna <anna@example.com>", "me@office.example", "Re: proposal")),
        (OK, metadata("b", "me@office.example", "anna@example.com", "proposal")),
    )
    page = google.messages_with("anna@example.com")
    assert page.history_id == "500"
    assert [m.gmail_id for m in page.messages] == ["a", "b"]
    assert page.messages[0].sent_at == datetime(2026, 12, 1, 10, tzinfo=UTC)
    assert query(http.request_sequence[1][0])["q"] == ["from:anna@example.com OR to:anna@example.com"]
    assert query(http.request_sequence[2][0])["pageToken"] == ["p2"]

    google, http = api(
        (OK, {"historyId": "520",
              "history": [{"messagesAdded": [{"message": {"id": "c"}}, {"message": {"id": "d"}}]}]}),
        (OK, metadata("c", "anna@example.com", "me@office.example", "question")),
        (OK, metadata("d", "bob@example.com", "me@office.example", "other")),
    )
    page = google.messages_with("anna@example.com", since_history_id="500")
    assert page.history_id == "520"
    assert [m.gmail_id for m in page.messages] == ["c"]
    params = query(http.request_sequence[0][0])
    assert urlparse(http.request_sequence[0][0]).path == "/gmail/v1/users/me/history"
    assert params["startHistoryId"] == ["500"]
    assert params["historyTypes"] == ["messageAdded"]


def test_an_expired_history_id_starts_over() -> None:
    google, _ = api(({"status": "404"}, {"error": {"code": 404, "message": "Requested entity was not found."}}),
                    (OK, {"historyId": "900"}), (OK, {}))
    page = google.messages_with("anna@example.com", since_history_id="1")
    assert page.history_id == "900"
    assert page.messages == ()


MEETING = MeetingRequest("fidusabc123", "Introduction", datetime(2026, 12, 8, 9, tzinfo=UTC),
                         datetime(2026, 12, 8, 10, tzinfo=UTC), ("anna@example.com",), "First meeting")
EVENT = {"id": "fidusabc123", "htmlLink": "https://calendar.google.com/e", "status": "confirmed",
         "hangoutLink": "https://meet.google.com/abc-defg-hij"}


def test_a_meeting_asks_for_a_meet_conference_with_the_events_id() -> None:
    google, http = api((OK, EVENT))
    meeting = google.create_meeting(MEETING)
    assert meeting.meet_link == "https://meet.google.com/abc-defg-hij"
    uri, method, body, _ = http.request_sequence[0]
    assert method == "POST"
    assert urlparse(uri).path == "/calendar/v3/calendars/primary/events"
    assert query(uri)["conferenceDataVersion"] == ["1"]
    assert query(uri)["sendUpdates"] == ["all"]
    sent = json.loads(body)
    assert sent["id"] == "fidusabc123"
    assert sent["attendees"] == [{"email": "anna@example.com"}]
    assert sent["conferenceData"] == {"createRequest": {"requestId": "fidusabc123",
                                                        "conferenceSolutionKey": {"type": "hangoutsMeet"}}}
    assert sent["start"] == {"dateTime": "2026-12-08T09:00:00+00:00", "timeZone": "UTC"}


def test_a_repeated_meeting_returns_the_first_event() -> None:
    google, http = api(({"status": "409"}, {"error": {"code": 409, "message": "identifier already exists"}}),
                       (OK, {**EVENT, "hangoutLink": None,
                             "conferenceData": {"entryPoints": [{"entryPointType": "video",
                                                                 "uri": "https://meet.google.com/x"}]}}))
    assert google.create_meeting(MEETING).meet_link == "https://meet.google.com/x"
    assert http.request_sequence[1][1] == "GET"
    assert urlparse(http.request_sequence[1][0]).path == "/calendar/v3/calendars/primary/events/fidusabc123"


def test_reschedule_patches_and_cancel_tolerates_gone() -> None:
    google, http = api((OK, EVENT), ({"status": "410"}, {"error": {"code": 410, "message": "deleted"}}))
    google.reschedule_meeting("fidusabc123", datetime(2026, 12, 9, 9, tzinfo=UTC),
                              datetime(2026, 12, 9, 10, tzinfo=UTC))
    assert http.request_sequence[0][1] == "PATCH"
    assert json.loads(http.request_sequence[0][2])["start"]["dateTime"] == "2026-12-09T09:00:00+00:00"
    google.cancel_meeting("fidusabc123")
    assert http.request_sequence[1][1] == "DELETE"
    assert query(http.request_sequence[1][0])["sendUpdates"] == ["all"]


def test_folder_is_found_by_its_key_before_one_is_made() -> None:
    google, http = api((OK, {"files": []}),
                       (OK, {"id": "F1", "name": "Anna Muster", "webViewLink": "https://drive/F1",
                             "appProperties": {"fidus_key": "prospect:p1"}}),
                       (OK, {"files": [{"id": "F1", "name": "Anna Muster", "webViewLink": "https://drive/F1",
                                        "appProperties": {"fidus_key": "prospect:p1"}}]}))
    folder = google.ensure_folder("Anna Muster", "prospect:p1")
    assert (folder.file_id, folder.app_key) == ("F1", "prospect:p1")
    search = query(http.request_sequence[0][0])["q"][0]
    assert "appProperties has { key='fidus_key' and value='prospect:p1' }" in search
    assert "mimeType='application/vnd.google-apps.folder'" in search
    created = json.loads(http.request_sequence[1][2])
    assert created == {"name": "Anna Muster", "mimeType": "application/vnd.google-apps.folder",
                       "appProperties": {"fidus_key": "prospect:p1"}}
    assert google.ensure_folder("Anna Muster", "prospect:p1").file_id == "F1"
    assert len(http.request_sequence) == 3  # the second call only searched


def test_upload_sends_metadata_and_content_in_one_multipart_request() -> None:
    google, http = api((OK, {"files": []}), (OK, {"id": "D1", "name": "terms.pdf", "webViewLink": "https://drive/D1"}))
    item = google.upload(Upload("F1", "terms.pdf", "application/pdf", b"%PDF-1.7 body", "upload:abc"))
    assert item.file_id == "D1"
    uri, _method, body, _headers = http.request_sequence[1]
    assert urlparse(uri).path == "/upload/drive/v3/files"
    assert query(uri)["uploadType"] == ["multipart"]
    text = body.decode() if isinstance(body, bytes) else body
    metadata_part = json.loads(text.split("\n\n", 1)[1].split("\n--", 1)[0])
    assert metadata_part == {"name": "terms.pdf", "parents": ["F1"], "appProperties": {"fidus_key": "upload:abc"}}
    assert "%PDF-1.7 body" in text
    assert "Content-Type: application/pdf" in text
    assert "'F1' in parents" in query(http.request_sequence[0][0])["q"][0]


@pytest.mark.parametrize(("status", "reason", "expected"), [
    ("429", "rateLimitExceeded", 429), ("503", "backendError", 503), ("400", "invalid", 400)])
def test_failures_carry_their_status(status: str, reason: str, expected: int) -> None:
    google, _ = api(({"status": status}, {"error": {"code": int(status), "message": reason}}))
    with pytest.raises(GoogleError) as caught:
        google.find_sent("<x@y>")
    assert caught.value.status == expected


def test_a_missing_scope_says_so() -> None:
    google, _ = api(({"status": "403"}, {"error": {"code": 403, "message": "Request had insufficient authentication "
                                                                         "scopes."}}))
    with pytest.raises(GoogleError, match="permission \\(scope\\)") as caught:
        google.create_meeting(MEETING)
    assert caught.value.status == 403


def test_a_revoked_consent_is_a_401_asking_to_reconnect() -> None:
    """The refresh token is refused while refreshing (invalid_grant): reconnect, not a trace."""
    http = HttpMockSequence([({"status": "400"}, json.dumps({"error": "invalid_grant",
                                                             "error_description": "Token revoked."}))])
    credentials = Credentials(None, refresh_token="r", token_uri="https://oauth2.googleapis.com/token",
                              client_id="id", client_secret="s")
    google = GoogleApi(lambda: AuthorizedHttp(credentials, http=http))
    with pytest.raises(GoogleError, match="reconnect Google") as caught:
        google.account()
    assert caught.value.status == 401
    assert "invalid_grant" in caught.value.detail


def test_no_answer_is_a_status_none() -> None:
    class Offline:
        def request(self, *args: Any, **kwargs: Any) -> Any:
            raise TimeoutError("timed out")

    with pytest.raises(GoogleError) as caught:
        GoogleApi(lambda: Offline()).account()
    assert caught.value.status is None
