"""Agreements: list, draft, clauses, a printable draft from the sharing matrix, send for
signature, sign, amendments, annual review, terminate, renew, signed documents."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user, login_required

from partnerhub import permissions
from partnerhub.agreements import clauses, exports, services, uploads, vocabulary
from partnerhub.agreements.forms import (
    AgreementForm,
    AmendmentForm,
    AmendmentSignatureForm,
    ClausesForm,
    DocumentForm,
    MatrixDraftForm,
    ReviewForm,
    SignatureForm,
    SignaturesForm,
    TerminateForm,
    WithdrawSignatureForm,
)
from partnerhub.agreements.models import Agreement, AgreementParty, AgreementStatus
from partnerhub.agreements.permissions import signs_for
from partnerhub.db import utcnow
from partnerhub.extensions import database
from partnerhub.library import services as library
from partnerhub.pagination import page_of_list, requested_page
from partnerhub.partnerships.models import Membership, Partnership, Stage
from partnerhub.partnerships.registry import (
    Attention,
    OwnerRef,
    Viewer,
    add_tab,
    attention_source,
    computed_check,
    my_work,
    panel,
)
from partnerhub.partnerships.services import local_today
from partnerhub.permissions import Action
from partnerhub.web import apply, csv_download, load_partnership, require

blueprint = Blueprint("agreements", __name__, url_prefix="/partnerships/<int:partnership_id>")


@blueprint.route("/agreements")
@login_required
def index(partnership_id: int):
    """The partnership's agreements, renewals coming up first."""
    partnership = load_partnership(partnership_id)
    rows = services.agreement_rows(database.session, partnership.id, _today(partnership))
    page = page_of_list(rows, requested_page(request.args))
    return render_template("agreements/index.html", partnership=partnership, rows=page)


@blueprint.route("/agreements.csv")
@login_required
def agreements_csv(partnership_id: int):
    """Every agreement with its parties, status, term and signatures, as a spreadsheet."""
    partnership = load_partnership(partnership_id)
    today = _today(partnership)
    return csv_download(
        exports.agreements_csv(database.session, partnership.id, today),
        f"agreements-{today.isoformat()}.csv",
    )


@blueprint.route("/agreements/new", methods=["GET", "POST"])
@login_required
def new(partnership_id: int):
    """Draft a new agreement."""
    partnership = load_partnership(partnership_id, permissions.MANAGE)
    agencies = services.active_agencies(database.session, partnership.id)
    form = AgreementForm(agencies, services.partnership_flows(database.session, partnership.id))
    if not form.is_submitted():
        form.parties.data = [a.id for a in agencies]
        template_id = request.args.get("template", type=int)
        if template := library.draft_source(database.session, partnership.id, template_id):
            form.title.data, form.purpose.data = template.title, template.body_markdown
    if form.validate_on_submit():
        created = apply(
            services.create_agreement,
            database.session,
            current_user,
            partnership.id,
            form.terms(),
            utcnow(),
            done=lambda agreement: f"Draft “{agreement.title}” saved.",
            at=form,
        )
        if created:
            return redirect(_url("show", created.result))
    return render_template("agreements/form.html", partnership=partnership, form=form)


@blueprint.route("/agreements/<int:agreement_id>")
@login_required
def show(partnership_id: int, agreement_id: int):
    """One agreement: terms, parties and signatures, documents, renewal dates."""
    partnership, agreement = _load(partnership_id, agreement_id)
    today = _today(partnership)
    status = services.agreement_status(agreement, today)
    return render_template(
        "agreements/show.html",
        partnership=partnership,
        agreement=agreement,
        status=status,
        signable=status in services.SIGNABLE,
        renewable=status in services.RENEWABLE,
        today=today,
        term_end=services.term_end(agreement, today),
        thresholds=services.renewal_thresholds(agreement, today),
        label_of=vocabulary.label_of,
        flow_label=vocabulary.flow_label,
        clauses=clauses.CLAUSES,
        missing=clauses.missing(agreement),
        amendable=status in services.AMENDABLE,
        in_force=services.is_in_force(agreement, today),
    )


@blueprint.route("/agreements/<int:agreement_id>/clauses", methods=["GET", "POST"])
@login_required
def edit_clauses(partnership_id: int, agreement_id: int):
    """Rewrite a draft's clauses."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    if agreement.sent_for_signature_at is not None:
        flash("The clauses are locked once sent for signature.")
        return redirect(_url("show", agreement))
    form = ClausesForm()
    if not form.is_submitted():
        form.fill(agreement)
    if form.validate_on_submit() and apply(
        services.update_clauses,
        database.session,
        current_user,
        agreement,
        form.texts(),
        utcnow(),
        done="Clauses saved.",
        at=form,
    ):
        return redirect(_url("show", agreement))
    return render_template(
        "agreements/clauses.html",
        partnership=partnership,
        agreement=agreement,
        form=form,
        clauses=clauses.CLAUSES,
    )


@blueprint.route("/agreements/<int:agreement_id>/from-matrix", methods=["GET", "POST"])
@login_required
def draft_from_matrix(partnership_id: int, agreement_id: int):
    """Choose the matrix flows a draft covers and write its flows clause from them."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    if agreement.sent_for_signature_at is not None:
        return redirect(_url("printable", agreement))
    form = MatrixDraftForm(services.partnership_flows(database.session, partnership.id))
    if not form.is_submitted():
        form.flows.data = [f.id for f in agreement.flows]
    if form.validate_on_submit() and apply(
        services.draft_from_matrix,
        database.session,
        current_user,
        agreement,
        form.flows.data,
        utcnow(),
        done="Drafted from the sharing matrix.",
        at=form.flows,
    ):
        return redirect(_url("printable", agreement))
    return render_template(
        "agreements/from_matrix.html", partnership=partnership, agreement=agreement, form=form
    )


@blueprint.route("/agreements/<int:agreement_id>/printable")
@login_required
def printable(partnership_id: int, agreement_id: int):
    """The agreement as a document to print: cover, clauses, amendments, signature blocks."""
    partnership, agreement = _load(partnership_id, agreement_id)
    today = _today(partnership)
    return render_template(
        "agreements/printable.html",
        partnership=partnership,
        agreement=agreement,
        status=services.agreement_status(agreement, today),
        term_end=services.term_end(agreement, today),
        clauses=clauses.CLAUSES,
        missing=clauses.missing(agreement),
        label_of=vocabulary.label_of,
    )


@blueprint.route("/agreements/<int:agreement_id>/review", methods=["GET", "POST"])
@login_required
def review(partnership_id: int, agreement_id: int):
    """Record the annual review the parties held."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    today = _today(partnership)
    form = ReviewForm()
    if not form.is_submitted():
        form.reviewed_on.data = today
    if form.validate_on_submit() and apply(
        services.record_review,
        database.session,
        current_user,
        agreement,
        form.reviewed_on.data,
        today,
        utcnow(),
        done="Annual review recorded.",
        at=form,
    ):
        return redirect(_url("show", agreement))
    return render_template(
        "agreements/review.html", partnership=partnership, agreement=agreement, form=form
    )


@blueprint.route("/agreements/<int:agreement_id>/amendments/new", methods=["GET", "POST"])
@login_required
def amend(partnership_id: int, agreement_id: int):
    """Draft an amendment by which an agency joins the signed agreement."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    covered = {f.id for f in agreement.flows}
    flows = [
        f
        for f in services.partnership_flows(database.session, partnership.id)
        if f.id not in covered
    ]
    form = AmendmentForm(services.joinable_agencies(database.session, agreement), flows)
    if form.validate_on_submit() and apply(
        services.propose_amendment,
        database.session,
        current_user,
        agreement,
        form.agency.data,
        form.flows.data or [],
        form.text.data or "",
        _today(partnership),
        utcnow(),
        done=lambda amendment: (
            f"Amendment {amendment.number} drafted: record the joining "
            "agency's signature, then accept it for the partnership."
        ),
        at=form,
    ):
        return redirect(_url("show", agreement) + "#amendments")
    return render_template(
        "agreements/amend.html", partnership=partnership, agreement=agreement, form=form
    )


@blueprint.route(
    "/agreements/<int:agreement_id>/amendments/<int:amendment_id>/sign", methods=["GET", "POST"]
)
@login_required
def sign_amendment(partnership_id: int, agreement_id: int, amendment_id: int):
    """Record the joining agency's signature: its signatory, or a facilitator for them."""
    partnership, agreement = _load(partnership_id, agreement_id)
    amendment = _amendment(agreement, amendment_id)
    require(Action.AGREEMENT_SIGN, amendment)
    form = AmendmentSignatureForm()
    if not form.is_submitted() and g.membership.partner_agency_id == amendment.partner_agency_id:
        form.signer_name.data = current_user.name
        form.signer_title.data = g.membership.position
    if form.validate_on_submit() and apply(
        services.sign_amendment,
        database.session,
        current_user,
        amendment,
        signer_name=form.signer_name.data,
        signer_title=form.signer_title.data,
        signed_on=form.signed_on.data,
        today=_today(partnership),
        now=utcnow(),
        done=f"Signature recorded for {amendment.partner_agency.organization.name}.",
        at=form,
    ):
        return redirect(_url("show", agreement) + "#amendments")
    agreement = services.get_agreement(database.session, partnership.id, agreement_id)
    return render_template(
        "agreements/sign_amendment.html",
        partnership=partnership,
        agreement=agreement,
        amendment=_amendment(agreement, amendment_id),
        form=form,
    )


@blueprint.route(
    "/agreements/<int:agreement_id>/amendments/<int:amendment_id>/accept", methods=["POST"]
)
@login_required
def accept_amendment(partnership_id: int, agreement_id: int, amendment_id: int):
    """Accept an amendment for the partnership."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    amendment = _amendment(agreement, amendment_id)
    apply(
        services.accept_amendment,
        database.session,
        current_user,
        amendment,
        _today(partnership),
        utcnow(),
        done=f"Amendment {amendment.number} accepted for the partnership.",
    )
    return redirect(_url("show", agreement) + "#amendments")


@blueprint.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(partnership_id: int, agreement_id: int):
    """Change a draft's terms (locked once sent for signature)."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    if agreement.sent_for_signature_at is not None:
        flash("The terms are locked once sent for signature. Renew it to draft new terms.")
        return redirect(_url("show", agreement))
    form = AgreementForm(
        services.active_agencies(database.session, partnership.id),
        services.partnership_flows(database.session, partnership.id),
    )
    if not form.is_submitted():
        form.fill(services.Terms.of(agreement))
    if form.validate_on_submit() and apply(
        services.update_terms,
        database.session,
        current_user,
        agreement,
        form.terms(),
        utcnow(),
        done="Draft saved.",
        at=form,
    ):
        return redirect(_url("show", agreement))
    return render_template(
        "agreements/form.html", partnership=partnership, form=form, agreement=agreement
    )


@blueprint.route("/agreements/<int:agreement_id>/send", methods=["POST"])
@login_required
def send(partnership_id: int, agreement_id: int):
    """Lock the terms and ask every party to sign."""
    _, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    return _act(agreement, "Sent for signature.", services.send_for_signature, agreement)


@blueprint.route("/agreements/<int:agreement_id>/delete", methods=["POST"])
@login_required
def delete(partnership_id: int, agreement_id: int):
    """Discard a draft that was never sent."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    if not apply(
        services.delete_draft,
        database.session,
        current_user,
        agreement,
        utcnow(),
        done="Draft discarded.",
    ):
        return redirect(_url("show", agreement))
    return redirect(url_for(".index", partnership_id=partnership.id))


@blueprint.route(
    "/agreements/<int:agreement_id>/parties/<int:party_id>/sign", methods=["GET", "POST"]
)
@login_required
def sign(partnership_id: int, agreement_id: int, party_id: int):
    """Record a party's signature: its signatory, or a facilitator on their behalf."""
    partnership, agreement = _load(partnership_id, agreement_id)
    party = _party(agreement, party_id)
    require(Action.AGREEMENT_SIGN, party)
    form = SignatureForm()
    if not form.is_submitted() and g.membership.partner_agency_id == party.partner_agency_id:
        form.signer_name.data = current_user.name
        form.signer_title.data = g.membership.position
    if form.validate_on_submit():
        today = _today(partnership)
        if apply(
            services.record_signature,
            database.session,
            current_user,
            party,
            signer_name=form.signer_name.data,
            signer_title=form.signer_title.data,
            signed_on=form.signed_on.data,
            correction=form.correction.data or "",
            on_behalf=not signs_for(g.membership, party),
            today=today,
            now=utcnow(),
            done=f"Signature recorded for {party.partner_agency.organization.name}.",
            at=form,
        ):
            return redirect(_url("show", agreement))
        agreement, party = _reload(partnership, agreement_id, party_id)
    return render_template(
        "agreements/sign.html", partnership=partnership, agreement=agreement, party=party, form=form
    )


@blueprint.route("/agreements/<int:agreement_id>/signatures", methods=["GET", "POST"])
@login_required
def record_signatures(partnership_id: int, agreement_id: int):
    """Record several parties' signatures in one step: a facilitator on their behalf."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.CONTRIBUTE)
    form = SignaturesForm.for_parties(_recordable(agreement))
    if form.validate_on_submit():
        entries = [
            services.SignatureEntry(party, name, title, not signs_for(g.membership, party))
            for party, name, title in form.chosen()
        ]
        if apply(
            services.record_signatures,
            database.session,
            current_user,
            entries,
            signed_on=form.signed_on.data,
            today=_today(partnership),
            now=utcnow(),
            done=f"Recorded {len(entries)} signature{'s' if len(entries) > 1 else ''}.",
            at=form,
        ):
            return redirect(_url("show", agreement))
        agreement = services.get_agreement(database.session, partnership.id, agreement_id)
        form.parties = _recordable(agreement)
    return render_template(
        "agreements/sign_several.html", partnership=partnership, agreement=agreement, form=form
    )


def _recordable(agreement: Agreement) -> list[AgreementParty]:
    """The parties yet to sign whose signature the viewer may record."""
    return [
        party
        for party in agreement.parties
        if party.signature is None and permissions.can(g.membership, Action.AGREEMENT_SIGN, party)
    ]


@blueprint.route(
    "/agreements/<int:agreement_id>/parties/<int:party_id>/withdraw", methods=["GET", "POST"]
)
@login_required
def withdraw_signature(partnership_id: int, agreement_id: int, party_id: int):
    """Withdraw a signature recorded in error (the record stays, marked withdrawn)."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    party = _party(agreement, party_id)
    form = WithdrawSignatureForm()
    if form.validate_on_submit():
        if apply(
            services.withdraw_signature,
            database.session,
            current_user,
            party,
            form.reason.data,
            _today(partnership),
            utcnow(),
            done="Signature withdrawn.",
            at=form,
        ):
            return redirect(_url("show", agreement))
        agreement, party = _reload(partnership, agreement_id, party_id)
    return render_template(
        "agreements/withdraw.html",
        partnership=partnership,
        agreement=agreement,
        party=party,
        form=form,
    )


@blueprint.route("/agreements/<int:agreement_id>/terminate", methods=["GET", "POST"])
@login_required
def terminate(partnership_id: int, agreement_id: int):
    """End an agreement as of a date, for a recorded reason."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    today = _today(partnership)
    form = TerminateForm()
    if not form.is_submitted():
        form.terminated_on.data = today
    if form.validate_on_submit() and apply(
        services.terminate,
        database.session,
        current_user,
        agreement,
        form.terminated_on.data,
        form.reason.data,
        today,
        utcnow(),
        done="Agreement terminated.",
        at=form,
    ):
        return redirect(_url("show", agreement))
    return render_template(
        "agreements/terminate.html", partnership=partnership, agreement=agreement, form=form
    )


@blueprint.route("/agreements/<int:agreement_id>/renew", methods=["POST"])
@login_required
def renew(partnership_id: int, agreement_id: int):
    """Draft the successor, carrying parties and terms into the next term."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    renewed = apply(
        services.renew,
        database.session,
        current_user,
        agreement,
        _today(partnership),
        utcnow(),
        done="Renewal drafted: check its terms, then send it for signature.",
    )
    return redirect(_url("edit", renewed.result) if renewed else _url("show", agreement))


@blueprint.route("/agreements/<int:agreement_id>/documents", methods=["GET", "POST"])
@login_required
def upload(partnership_id: int, agreement_id: int):
    """Attach a signed copy (PDF or DOCX)."""
    partnership, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    form = DocumentForm()
    if form.validate_on_submit():
        max_bytes = current_app.config["MAX_CONTENT_LENGTH"]
        if apply(
            services.attach_document,
            database.session,
            current_user,
            agreement,
            form.file.data.filename or "",
            form.file.data.read(max_bytes + 1),
            upload_root=current_app.config["UPLOAD_PATH"],
            max_bytes=max_bytes,
            now=utcnow(),
            done="Document attached.",
            at=form.file,
        ):
            return redirect(_url("show", agreement))
    return render_template(
        "agreements/upload.html", partnership=partnership, agreement=agreement, form=form
    )


@blueprint.route("/agreements/<int:agreement_id>/documents/<int:document_id>")
@login_required
def download(partnership_id: int, agreement_id: int, document_id: int):
    """Download a signed copy: to members only, always as an attachment."""
    _, agreement = _load(partnership_id, agreement_id)
    document = _document(agreement, document_id)
    path = uploads.path_of(current_app.config["UPLOAD_PATH"], document.stored_name)
    if not path.is_file():
        flash("That document's file is missing from storage. Attach it again.", "error")
        return redirect(_url("show", agreement))
    response = send_file(
        path,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=uploads.download_name(document.original_name, document.content_type),
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@blueprint.route(
    "/agreements/<int:agreement_id>/documents/<int:document_id>/delete", methods=["POST"]
)
@login_required
def delete_document(partnership_id: int, agreement_id: int, document_id: int):
    """Delete a signed copy (audited)."""
    _, agreement = _load(partnership_id, agreement_id, permissions.MANAGE)
    document = _document(agreement, document_id)
    return _act(
        agreement,
        "Document deleted.",
        services.delete_document,
        agreement,
        document,
        upload_root=current_app.config["UPLOAD_PATH"],
    )


# --- loading ----------------------------------------------------------------------------


def _load(
    partnership_id: int, agreement_id: int, action: str = permissions.VIEW
) -> tuple[Partnership, Agreement]:
    partnership = load_partnership(partnership_id, action)
    agreement = services.get_agreement(database.session, partnership.id, agreement_id)
    if agreement is None:
        abort(404)
    return partnership, agreement


def _reload(partnership, agreement_id: int, party_id: int) -> tuple[Agreement, AgreementParty]:
    """The agreement and party again, for a form shown after a refused change (the refusal
    rolled the session back, which unloads what the page needs)."""
    agreement = services.get_agreement(database.session, partnership.id, agreement_id)
    return agreement, _party(agreement, party_id)


def _party(agreement: Agreement, party_id: int) -> AgreementParty:
    party = next((p for p in agreement.parties if p.id == party_id), None)
    if party is None:
        abort(404)
    return party


def _amendment(agreement: Agreement, amendment_id: int):
    amendment = next((a for a in agreement.amendments if a.id == amendment_id), None)
    if amendment is None:
        abort(404)
    return amendment


def _document(agreement: Agreement, document_id: int):
    document = next(
        (d for d in agreement.documents if d.id == document_id and d.deleted_at is None), None
    )
    if document is None:
        abort(404)
    return document


def _today(partnership: Partnership):
    return local_today(partnership, utcnow())


def _url(endpoint: str, agreement: Agreement | services.PendingAgreement) -> str:
    return url_for(
        f"agreements.{endpoint}", partnership_id=agreement.partnership_id, agreement_id=agreement.id
    )


def _act(agreement: Agreement, done: str, change, *args, **kwargs):
    """Run a one-click change, then show the agreement with what happened."""
    apply(change, database.session, current_user, *args, now=utcnow(), done=done, **kwargs)
    return redirect(_url("show", agreement))


# --- on the partnership's pages ---------------------------------------------------------

add_tab("Agreements", "agreements.index", order=60, section="plan", covers=("agreements.",))


@panel("agreements/_panel.html", order=50)
def _overview(session, partnership, today) -> dict:
    agreements = services.agreements_with_status(session, partnership.id)
    current = [(a, s) for a, s in services.most_pressing_first(agreements, today) if s not in PAST]
    return {
        "agreement_rows": current,
        "agreement_gate": services.agreement_gate(session, partnership, today),
    }


PAST = (AgreementStatus.RENEWED, AgreementStatus.TERMINATED)


computed_check(
    Stage.PLAN,
    "agreement_signed",
    "An active agreement signed by every partner agency",
    order=80,
    help="Draft the agreement, send it for signature and record each agency's signature.",
)(services.agreement_gate)


@attention_source
def _renewals_due(session, partnership_ids: list[int], today) -> list[Attention]:
    items = []
    for agreement, status in services.pending(session, partnership_ids, today).due:
        end = services.term_end(agreement, today)
        expired = status is AgreementStatus.EXPIRED
        items.append(
            Attention(
                partnership_id=agreement.partnership_id,
                label=f"Agreement “{agreement.title}” "
                + (f"expired on {end:%d %b %Y}" if expired else f"expires on {end:%d %b %Y}"),
                url=_url("show", agreement),
                severity="danger" if expired else "warning",
                due=end,
                owned_by=(OwnerRef(agreement.partnership_id),),
            )
        )
    return items


@dataclass(frozen=True)
class MySignature:
    """An agreement my agency has yet to sign."""

    agreement: services.PendingAgreement
    party: services.UnsignedParty
    partnership: Partnership
    membership: Membership

    @property
    def may_record(self) -> bool:
        return permissions.can(self.membership, Action.AGREEMENT_SIGN, self.party)


@my_work("signatures", "Signatures your agency owes", "agreements/_my_signatures.html", 31)
def my_signatures(session, viewer: Viewer) -> list[MySignature]:
    """Agreements out for signature that my agency has not signed yet."""
    mine = {m.partner_agency_id: m for m in viewer.memberships.values() if m.partner_agency_id}
    return [
        MySignature(
            agreement,
            party,
            viewer.partnerships[agreement.partnership_id],
            mine[party.partner_agency_id],
        )
        for agreement, party in services.pending(
            session, viewer.partnership_ids, viewer.now.date()
        ).awaited_from(mine)
    ]
