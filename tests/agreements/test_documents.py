"""Signed documents: PDF or DOCX by content, size-limited, stored aside, served as downloads."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from partnerhub.agreements.models import AgreementDocument
from partnerhub.agreements.uploads import DOCX, PDF, content_type_of
from partnerhub.audit.models import AuditEvent

PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
HTML_BYTES = b"<!doctype html><script>alert(document.cookie)</script>"


def docx_bytes(parts=("[Content_Types].xml", "word/document.xml")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in parts:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


@pytest.fixture
def agreement(make, table, db):
    made = make.agreement(table.partnership, [table.school], effective_on=date(2026, 1, 1))
    db.commit()
    return made


@pytest.fixture
def base(table, agreement) -> str:
    return f"/partnerships/{table.partnership.id}/agreements/{agreement.id}/documents"


def upload(client, base, data: bytes, name: str):
    return client.post(
        base, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def stored(db) -> list[AgreementDocument]:
    db.expire_all()
    return list(db.scalars(select(AgreementDocument).order_by(AgreementDocument.id)))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF_BYTES, PDF),
        (docx_bytes(), DOCX),
        (HTML_BYTES, None),
        (docx_bytes(("[Content_Types].xml", "xl/workbook.xml")), None),
        (b"PK\x03\x04 not really a zip", None),
        (b"", None),
    ],
)
def test_type_is_judged_by_content(data, expected):
    assert content_type_of(data) == expected


def test_pdf_is_stored_under_a_generated_name_outside_the_web_root(
    app, client, login_as, table, base, db
):
    login_as(table.facilitator.user)
    response = upload(client, base, PDF_BYTES, "../../signed IGA.pdf")
    assert response.status_code == 302

    (document,) = stored(db)
    assert document.original_name == "signed IGA.pdf"
    assert document.content_type == PDF
    assert document.size == len(PDF_BYTES)
    path = Path(app.config["UPLOAD_PATH"]) / "agreements" / document.stored_name
    assert path.read_bytes() == PDF_BYTES
    assert "signed" not in document.stored_name
    assert not str(path).startswith(str(Path(app.root_path) / "static"))
    assert db.scalars(select(AuditEvent.action)).all()[-1] == "agreement.document_attached"


def test_html_named_pdf_is_refused(client, login_as, table, base, db):
    login_as(table.facilitator.user)
    response = upload(client, base, HTML_BYTES, "agreement.pdf")
    assert response.status_code == 200
    assert b"Only PDF and Word" in response.data
    assert stored(db) == []


def test_docx_is_accepted_by_its_content(client, login_as, table, base, db):
    login_as(table.facilitator.user)
    upload(client, base, docx_bytes(), "agreement.docx")
    assert [d.content_type for d in stored(db)] == [DOCX]


def test_missing_file_is_a_message(client, login_as, table, base, db):
    login_as(table.facilitator.user)
    response = client.post(base, data={}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert b"Choose a file" in response.data


def test_file_over_the_size_limit_gets_the_too_large_page(app, client, login_as, table, base, db):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    login_as(table.facilitator.user)
    response = upload(client, base, PDF_BYTES + b"0" * 2048, "big.pdf")
    assert response.status_code == 413
    assert b"larger than allowed" in response.data
    assert stored(db) == []


def test_download_is_an_attachment_of_the_right_type_for_members_only(
    client, login_as, make, table, base, db
):
    login_as(table.facilitator.user)
    upload(client, base, PDF_BYTES, "signed.pdf")
    (document,) = stored(db)
    url = f"{base}/{document.id}"

    login_as(table.observer.user)
    response = client.get(url)
    assert response.status_code == 200
    assert response.data == PDF_BYTES
    assert response.mimetype == PDF
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "signed.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"

    login_as(make.user("Stranger"))
    assert client.get(url).status_code == 404


def test_deleting_a_document_is_audited_and_removes_the_file(
    app, client, login_as, table, base, db
):
    login_as(table.facilitator.user)
    upload(client, base, PDF_BYTES, "signed.pdf")
    (document,) = stored(db)
    path = Path(app.config["UPLOAD_PATH"]) / "agreements" / document.stored_name

    login_as(table.superintendent.user)
    assert client.post(f"{base}/{document.id}/delete").status_code == 403
    assert path.exists()

    login_as(table.facilitator.user)
    client.post(f"{base}/{document.id}/delete")
    (document,) = stored(db)
    assert document.deleted_at is not None
    assert document.deleted_by_id == table.facilitator.user_id
    assert not path.exists()
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "agreement.document_deleted")
    ).one()
    assert "signed.pdf" in event.summary
    assert client.get(f"{base}/{document.id}").status_code == 404


def polyglot_pdf() -> bytes:
    """A well-formed one-page PDF whose bytes also hold an HTML page with a script."""
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    stream = b"% " + html + b"\nBT /F1 12 Tf 72 712 Td (Signed) Tj ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        b" >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


@pytest.mark.parametrize(
    ("data", "name", "expected_name", "expected_type"),
    [
        (polyglot_pdf(), "poly.html", "poly.pdf", PDF),
        (polyglot_pdf(), "poly", "poly.pdf", PDF),
        (polyglot_pdf(), "signed.PDF", "signed.pdf", PDF),
        (docx_bytes(), "agreement.svg", "agreement.docx", DOCX),
        (docx_bytes(), "agreement.tar.gz.html", "agreement.tar.gz.docx", DOCX),
    ],
)
def test_a_document_is_named_and_served_by_its_verified_type(
    client, login_as, table, base, db, data, name, expected_name, expected_type
):
    assert b"<html><body><script>" in polyglot_pdf()
    login_as(table.facilitator.user)
    assert upload(client, base, data, name).status_code == 302
    (document,) = stored(db)
    assert document.original_name == expected_name

    response = client.get(f"{base}/{document.id}")
    assert response.data == data
    assert response.mimetype == expected_type
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"filename={expected_name}" in disposition
    assert ".html" not in disposition and ".svg" not in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_document_stored_under_another_extension_downloads_as_its_type(
    client, login_as, table, base, db
):
    """Documents attached before names followed their type are served under the right one."""
    login_as(table.facilitator.user)
    upload(client, base, polyglot_pdf(), "poly.pdf")
    (document,) = stored(db)
    document.original_name = "poly.html"
    db.commit()
    disposition = client.get(f"{base}/{document.id}").headers["Content-Disposition"]
    assert disposition == "attachment; filename=poly.pdf"
