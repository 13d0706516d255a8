"""open_store: which URIs open what, where MongoDB passwords come from, and what logs may show."""

from __future__ import annotations

from pathlib import Path

import mongomock
import pytest

from fidus_desktop.store import mongo as mongo_module
from fidus_desktop.store.errors import DatabaseUnreachable, InvalidDatabaseUri
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.store.uri import open_store, redact, split_mongo_uri, sqlite_path


def test_sqlite_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    absolute = tmp_path / "office" / "fidus.db"
    store = open_store(f"sqlite:///{absolute.as_posix()}")
    assert isinstance(store, SqliteStore)
    assert store.path == absolute
    store.close()
    monkeypatch.chdir(tmp_path)
    relative = open_store("sqlite:local.db")
    assert relative.describe() == "SQLite local.db"
    relative.close()
    assert (tmp_path / "local.db").exists()


@pytest.mark.parametrize(
    ("uri", "path"),
    [
        ("sqlite:///C:/Users/ana/fidus.db", "C:/Users/ana/fidus.db"),
        ("sqlite:///c:\\data\\fidus.db", "c:\\data\\fidus.db"),
        ("sqlite:///srv/fidus%20office.db", "/srv/fidus office.db"),
        ("sqlite:data/fidus.db", "data/fidus.db"),
        ("sqlite:////home/ana/fidus.db", "/home/ana/fidus.db"),  # what f"sqlite:///{posix_path}" gives
    ],
)
def test_sqlite_paths(uri: str, path: str) -> None:
    assert sqlite_path(uri) == Path(path)


@pytest.mark.parametrize(
    "uri",
    [
        "",
        "   ",
        "fidus.db",
        "postgres://db/fidus",
        "sqlite:",
        "sqlite://host/fidus.db",
        "sqlite:x.db?cache=shared",  # ?mode=ro is the only option (read-only)
        "mongodb://",
        "mongodb://@host/db",
        "http://example.org",
    ],
)
def test_unknown_uris_name_what_was_given_and_the_accepted_forms(uri: str) -> None:
    with pytest.raises(InvalidDatabaseUri) as caught:
        open_store(uri)
    message = str(caught.value)
    assert "sqlite:///" in message
    assert "mongodb://" in message
    if uri.strip():
        assert repr(uri) in message


@pytest.mark.parametrize(
    "uri", ["mongodb://fidus:s3cret@db.office.local/fidus", "mongodb+srv://fidus:s3cret@c0.ab.mongodb.net/"]
)
def test_a_password_in_the_uri_is_refused_and_not_repeated(uri: str) -> None:
    with pytest.raises(InvalidDatabaseUri, match="fidus config set-db-password fidus@") as caught:
        open_store(uri, password_lookup=lambda who: "unused")
    assert "s3cret" not in str(caught.value)


class FakeClient(mongomock.MongoClient):
    """Records the keyword arguments the adapter passes to MongoClient."""

    seen: dict

    def __init__(self, uri: str, **kwargs: object) -> None:
        FakeClient.seen = {"uri": uri, **kwargs}
        super().__init__()


def test_the_keyring_password_goes_into_the_client_options(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo_module, "MongoClient", FakeClient)
    asked: list[str] = []

    def lookup(who: str) -> str:
        asked.append(who)
        return "from-keyring"

    store = open_store("mongodb://fidus@db.office.local:27018,db2:27017/office?replicaSet=rs0", password_lookup=lookup)
    assert asked == ["fidus@db.office.local"]
    assert FakeClient.seen["password"] == "from-keyring"
    assert "from-keyring" not in FakeClient.seen["uri"]
    assert FakeClient.seen["uuidRepresentation"] == "standard"
    assert FakeClient.seen["appname"] == "FIDUS Desktop"
    assert store.describe() == "MongoDB db.office.local:27018,db2:27017/office"
    assert "from-keyring" not in store.describe()


def test_a_missing_keyring_password_says_how_to_set_it() -> None:
    with pytest.raises(DatabaseUnreachable, match=r"set-db-password ana@db\.local"):
        open_store("mongodb://ana@db.local/fidus", password_lookup=lambda who: None)


def test_no_user_no_password_and_default_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mongo_module, "MongoClient", FakeClient)
    store = open_store("mongodb://localhost", password_lookup=lambda who: pytest.fail("not asked"))
    assert "password" not in FakeClient.seen
    assert store.describe() == "MongoDB localhost:27017/fidus"
    x509 = "mongodb://CN=ws1@db.local/?authMechanism=MONGODB-X509&tls=true"
    open_store(x509, password_lookup=lambda who: pytest.fail("certificates need no password"))


def test_atlas_is_described_by_its_cluster() -> None:
    parts = split_mongo_uri("mongodb+srv://fidus@cluster0.abcd.mongodb.net/office?retryWrites=true")
    assert parts.label() == "MongoDB Atlas cluster0"
    assert parts.database == "office"
    assert parts.credential_name == "fidus@cluster0.abcd.mongodb.net"


def test_an_unreachable_server_names_the_host_not_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(mongo_module.CLIENT_OPTIONS, "serverSelectionTimeoutMS", 100)
    with pytest.raises(DatabaseUnreachable, match=r"MongoDB 127\.0\.0\.1:9/fidus cannot be reached") as caught:
        open_store("mongodb://ana@127.0.0.1:9/fidus", password_lookup=lambda who: "pw-secret")
    assert "pw-secret" not in str(caught.value)
    assert "firewall" in str(caught.value)


def test_a_corrupt_sqlite_file_surfaces_from_open(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"garbage" * 1000)
    with pytest.raises(DatabaseUnreachable, match="not a readable FIDUS database"):
        open_store(f"sqlite:///{path.as_posix()}")


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("mongodb://ana:p%40ss@db:27017/fidus", "mongodb://ana:***@db:27017/fidus"),
        ("mongodb+srv://ana:pw@c0.x.mongodb.net/", "mongodb+srv://ana:***@c0.x.mongodb.net/"),
        (
            "mongodb://db/?tlsCertificateKeyFilePassword=abc&tls=true",
            "mongodb://db/?tlsCertificateKeyFilePassword=***&tls=true",
        ),
        ("mongodb://ana@db/fidus", "mongodb://ana@db/fidus"),
        ("sqlite:///C:/x.db", "sqlite:///C:/x.db"),
    ],
)
def test_redact(uri: str, shown: str) -> None:
    assert redact(uri) == shown
