"""What an interagency agreement must say: its clauses, their default wording, and the flows
clause drafted from the sharing matrix.

Each clause is text the facilitator may rewrite; a new draft starts from the defaults here. An
agreement goes out for signature only with every clause written, and, when a flow it covers
carries substance-use treatment records, with the re-disclosure notice 42 CFR 2.32 requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from partnerhub.agreements.vocabulary import label_of
from partnerhub.procedures.models import InformationFlow, LegalBasis


@dataclass(frozen=True)
class Clause:
    """One clause: the agreement's attribute holding its text, its heading, what it covers."""

    attr: str
    heading: str
    covers: str
    default: str = ""


PARTIES = (
    "The parties are the agencies whose signatures appear below, and any agency that later "
    "joins by a signed amendment. Each party acts under its own legal authority, signs through "
    "a person authorised to bind it, and names on the partnership's roster an "
    "information-sharing liaison and an alternate who answer for its part of this agreement."
)
REDISCLOSURE = (
    "Information a party receives under this agreement is used only for the purpose of the "
    "flow that carried it, and is not re-disclosed to anyone else without a new legal basis: "
    "the written consent of the parent, eligible student or patient, or an exception the law "
    "provides. Education records disclosed under 34 CFR 99.31(a)(5) are re-disclosed only as "
    "34 CFR 99.38 allows, and health information is limited to the minimum necessary."
)
SECURITY = (
    "Each party keeps information received under this agreement in files and systems open only "
    "to staff with a need to know, sends it only through channels the liaisons agree (encrypted "
    "email or the receiving agency's secure portal, never text messages), keeps it no longer "
    "than the purpose of the flow requires or its own records schedule mandates, then destroys "
    "it securely (paper shredded, electronic copies deleted). A party that learns of a "
    "disclosure outside this agreement tells the other parties' liaisons within two business "
    "days."
)
TRAINING = (
    "Before sharing information under this agreement, each party trains the staff who do so on "
    "FERPA, HIPAA, 42 CFR Part 2, the state juvenile code, this agreement and the partnership's "
    "procedures; trains new staff within 60 days of their start; and refreshes everyone's "
    "training at least every 12 months, keeping a record of who was trained and when."
)
DISPUTES = (
    "A disagreement about sharing under this agreement is raised first between the liaisons of "
    "the agencies concerned; if they cannot settle it, it goes on the agenda of the next "
    "partner meeting with the partnership's legal advisors; if it is still unsettled, the "
    "signatories of the agencies concerned meet to resolve it. Until then the information in "
    "question is shared only in a health or safety emergency. An agency joining the "
    "partnership later becomes a party by signing an amendment, which the facilitator accepts "
    "on the partnership's behalf; the other parties agree to this by signing this agreement."
)
CONSENT = (
    "Where a flow's legal basis is consent, the sending agency shares only once a written "
    "consent or authorization is on file that names the information, the purpose, who "
    "discloses and who receives it, when it expires, the right to revoke it, and carries the "
    "signature and date of the parent, eligible student or patient. The partnership keeps one "
    "release form for each law (FERPA consent, HIPAA authorization, 42 CFR Part 2 consent). A "
    "revoked consent stops further sharing from the day the sending agency learns of it."
)
TERM = (
    "This agreement takes effect on its effective date once every party has signed, and runs "
    "to its expiry date (or until terminated, when it has none), renewed as stated above. The "
    "parties review it together at least once a year, by its annual review date, whether or "
    "not it is due for renewal. A party may withdraw by giving the others 90 days' written "
    "notice; information it already received stays under this agreement's limits."
)

CLAUSES = (
    Clause("purpose", "Purpose", "Why these agencies share information."),
    Clause(
        "parties_clause", "Parties", "Who the parties are, their authority and contacts.", PARTIES
    ),
    Clause(
        "flows_clause",
        "Information shared",
        "Who shares what with whom, why, on which legal basis, with which consent: the "
        "sharing matrix's flows the agreement covers.",
    ),
    Clause(
        "redisclosure_clause",
        "Use and re-disclosure",
        "Limits on use and re-disclosure, with 42 CFR Part 2's notice when a flow carries "
        "substance-use treatment records.",
        REDISCLOSURE,
    ),
    Clause(
        "security_clause",
        "Security, retention and destruction",
        "How information is protected, kept and destroyed.",
        SECURITY,
    ),
    Clause("training_clause", "Training", "Who is trained on what, and how often.", TRAINING),
    Clause(
        "disputes_clause",
        "Disputes and amendments",
        "How disagreements are settled and how an agency joins later.",
        DISPUTES,
    ),
    Clause("consent_clause", "Consent", "The consent model and its forms.", CONSENT),
    Clause("term_clause", "Term and review", "Term, renewal, annual review, withdrawal.", TERM),
)
BY_ATTR = {clause.attr: clause for clause in CLAUSES}

# 42 CFR 2.32(a): each disclosure made with the patient's consent carries statement 1, or the
# short statement 2.
PART2_NOTICE = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR "
    "2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or "
    "disclosure of this record unless at least one of the following applies: (A) Further use "
    "or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. "
    "(B) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (C) You have received the record from a "
    "covered entity or business associate as permitted by 45 CFR part 164, subparts A and E. A "
    "general authorization for the release of medical or other information is NOT sufficient "
    "to meet the required elements of written consent to further use or redisclose the record "
    "(see 42 CFR 2.31)."
)
PART2_SHORT_NOTICE = "42 CFR part 2 prohibits unauthorized use or disclosure of these records."
PART2_PARAGRAPH = (
    "Records of a federally assisted substance use disorder program are disclosed only with the "
    "patient's written consent under 42 CFR Part 2, and each disclosure carries this notice "
    "(42 CFR 2.32):\n\n" + PART2_NOTICE
)


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def carries_part2(flows: list[InformationFlow]) -> bool:
    """A flow discloses substance-use treatment records under a Part 2 consent."""
    return any(flow.legal_basis is LegalBasis.PART2_CONSENT for flow in flows)


def has_part2_notice(text: str) -> bool:
    """The clause quotes one of the two statements of 42 CFR 2.32(a) in full."""
    text = _normalized(text)
    return _normalized(PART2_NOTICE) in text or _normalized(PART2_SHORT_NOTICE) in text


def with_part2_notice(text: str) -> str:
    """The re-disclosure clause with the Part 2 paragraph added, unless a notice is there."""
    if has_part2_notice(text):
        return text
    return f"{text.rstrip()}\n\n{PART2_PARAGRAPH}".lstrip()


def _consent_of(flow: InformationFlow) -> str:
    if flow.consent_required or (flow.legal_basis and flow.legal_basis.needs_consent):
        return "a signed written consent or authorization on file before each disclosure"
    if flow.certification_required or (flow.legal_basis and flow.legal_basis.needs_certification):
        return "the recipient's written certification that it will not re-disclose (34 CFR 99.38)"
    return "none beyond the legal basis"


def flow_sentence(flow: InformationFlow) -> str:
    """One flow as a sentence of the agreement: who shares what with whom, why, on which
    legal basis, with which consent."""
    categories = ", ".join(label_of(c).lower() for c in flow.data_categories) or "information"
    sentence = f"{flow.from_agency.organization.name} shares {categories} with {flow.recipient}"
    if flow.trigger.strip():
        sentence += f", {flow.trigger.strip().rstrip('.')}"
    basis = flow.legal_basis.label if flow.legal_basis else "not yet decided"
    if flow.statute_citation.strip():
        basis += f" ({flow.statute_citation.strip()})"
    sentence += f". Legal basis: {basis}. Consent: {_consent_of(flow)}."
    if flow.procedure_id is not None:
        sentence += f" Procedure: {flow.procedure.title}."
    return sentence


def flows_text(flows: list[InformationFlow]) -> str:
    """The flows clause drafted from the sharing matrix ("" without flows)."""
    if not flows:
        return ""
    lines = [
        "The parties share only the information below, each for the purpose, on the occasion "
        "and under the legal basis stated, and nothing else:"
    ]
    lines += [f"{n}. {flow_sentence(flow)}" for n, flow in enumerate(flows, start=1)]
    return "\n".join(lines)


def missing(agreement) -> list[str]:
    """What the agreement still lacks before it can go out for signature, one sentence each.
    Needs the agreement's flows loaded."""
    gaps = [
        f"{clause.heading}: write this clause ({clause.covers[0].lower()}"
        f"{clause.covers[1:].rstrip('.')})"
        for clause in CLAUSES
        if not (getattr(agreement, clause.attr) or "").strip()
    ]
    if carries_part2(agreement.flows) and not has_part2_notice(agreement.redisclosure_clause):
        gaps.append(
            "Use and re-disclosure: a flow it covers carries 42 CFR Part 2 records, so quote the "
            "re-disclosure notice of 42 CFR 2.32 (drafting from the sharing matrix adds it)"
        )
    return gaps
