"""E-mail templates: a named subject and text with merge fields, shared by the office (``crm_mail_templates``).

A template's fields are checked when it is saved (``domain.crm.mail_merge``), so choosing one never fails on
a typo at sending time. The name is the natural key: saving under an existing name replaces that template
(with a version check, so two people editing the same one do not overwrite each other unseen).
"""

from __future__ import annotations

from dataclasses import dataclass

from fidus_desktop.domain.crm.mail_merge import MergeError, fields_used
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.demo import DemoRun
from fidus_desktop.services.permissions import require
from fidus_desktop.store.port import Document

TEMPLATES = "crm_mail_templates"


@dataclass(frozen=True)
class MailTemplate:
    name: str
    subject: str
    body: str
    version: int


class MailTemplateService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.templates = ctx.store.collection(TEMPLATES)

    def ensure_indexes(self) -> None:
        self.templates.ensure_index(["name"], unique=True)

    def list(self, actor: Actor) -> list[MailTemplate]:
        require(actor, CrmPermission.READ)
        return [MailTemplate(d["name"], d["subject"], d["body"], d["version"])
                for d in self.templates.find({}, sort=[("name", 1)])]

    def save(self, actor: Actor, name: str, subject: str, body: str, *, version: int | None = None) -> MailTemplate:
        """Create the template, or replace the one of that name (``version``: the one the user edited)."""
        name = self.required_text(name, "name", "The template's name", max_length=100)
        subject = self.required_text(subject, "subject", "The subject", max_length=500)
        body = body or ""
        problems = {}
        for field, text in (("subject", subject), ("body", body)):
            try:
                fields_used(text)
            except MergeError as exc:
                problems[field] = str(exc)
        if problems:
            raise ValidationError(problems)

        def write(rec: ChangeRecorder) -> Document:
            before = self.templates.find_one({"name": name})
            values = {"name": name, "subject": subject, "body": body, "updated_at": self.now(),
                      "updated_by": actor.username}
            if before is None:
                stored = self.templates.insert(values)
            else:
                stored = self.templates.update(before["_id"], values,
                                               expected_version=before["version"] if version is None else version)
            rec.record("crm.mail_template_save", "crm_mail_template", stored["_id"], after={"name": name})
            return stored

        stored = self.change(actor, CrmPermission.MANAGE, write)
        return MailTemplate(stored["name"], stored["subject"], stored["body"], stored["version"])

    def delete(self, actor: Actor, name: str) -> None:
        def write(rec: ChangeRecorder) -> None:
            doc = self.templates.find_one({"name": name})
            if doc is None:
                raise ValidationError({"name": f"There is no template {name!r}; see `fidus crm templates list`."})
            self.templates.delete(doc["_id"], expected_version=doc["version"])
            rec.record("crm.mail_template_delete", "crm_mail_template", doc["_id"], before={"name": name})

        self.change(actor, CrmPermission.MANAGE, write)


def demo_mail_templates(run: DemoRun) -> None:
    """Two templates for the demo office (``--demo``), written through the service."""
    templates, actor = run.services.crm_mail_templates, run.actor
    templates.save(actor, "Introduction", "Introducing our funds, {first_name}",
                   "Dear {name},\n\nthank you for your interest. As discussed, {next_step}.\n\n"
                   "Kind regards,\n{owner}")
    templates.save(actor, "Proposal", "Our proposal for {organisation}",
                   "Dear {name},\n\nplease find our proposal for {expected_amount} {currency} attached.\n\n"
                   "Kind regards,\n{owner}")
