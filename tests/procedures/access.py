"""Routes of the procedures module and who may reach them.

Objects are made inside the world's partnership and owned by the member's agency (the
school), so a member passes the own-agency rules and the matrix test exercises real writes.
"""

from partnerhub.partnerships.models import PartnerAgency
from partnerhub.procedures.models import ProcedureStatus

ROUTES = {
    "procedures.matrix": "view",
    "procedures.matrix_list": "view",
    "procedures.matrix_csv": "view",
    "procedures.new_flow": "contribute",
    "procedures.edit_flow": "contribute",
    "procedures.delete_flow": "contribute",
    "procedures.index": "view",
    "procedures.new": "contribute",
    "procedures.show": "view",
    "procedures.version": "view",
    "procedures.edit": "contribute",
    "procedures.submit": "contribute",
    "procedures.sign_off": "contribute",
    "procedures.record_sign_offs": "contribute",
    "procedures.request_changes": "contribute",
    "procedures.review": "contribute",
    "procedures.retire": "contribute",
    "procedures.compare": "view",
}


# (endpoint, a valid submission, fields whose input must come back when refused);
# a callable value is read from the test world.
def school(world) -> str:
    return str(world.member.partner_agency_id)


FLOW = {
    "from_agency_id": school,
    "to_agency_id": "",
    "to_role": "School Resource Officer",
    "data_categories": "attendance",
    "trigger": "Ten absences in a term.",
    "legal_basis": "",
    "statute_citation": "MCA 52-2-211",
    "procedure_id": "",
    "notes": "Only the count of absences.",
}
PROCEDURE = {
    "title": "Attendance concerns shared with the SRO",
    "body_markdown": "1. The school counts absences.\n2. It calls the SRO.",
    "review_cadence_months": "12",
    "change_summary": "Said who calls.",
}
FORMS = [
    ("procedures.new_flow", FLOW, ["to_role", "trigger", "statute_citation", "notes"]),
    ("procedures.edit_flow", FLOW, ["to_role", "trigger", "statute_citation", "notes"]),
    (
        "procedures.new",
        {**PROCEDURE, "owning_agency_id": school},
        ["title", "body_markdown", "change_summary"],
    ),
    ("procedures.edit", PROCEDURE, ["title", "body_markdown", "change_summary"]),
    ("procedures.sign_off", {"agency_id": school}, []),
    ("procedures.record_sign_offs", {"agencies": school}, []),
    ("procedures.request_changes", {"comment": "Say who calls the SRO."}, []),
]


def url_values(make, world) -> dict[str, dict]:
    school = make.session.get(PartnerAgency, world.member.partner_agency_id)
    flow = make.flow(school)
    procedure = make.procedure(school, status=ProcedureStatus.IN_REVIEW.value)
    ids = {"procedure_id": procedure.id}
    return {
        "procedures.edit_flow": {"flow_id": flow.id},
        "procedures.delete_flow": {"flow_id": flow.id},
        "procedures.show": ids,
        "procedures.version": {**ids, "number": 1},
        "procedures.edit": ids,
        "procedures.submit": ids,
        "procedures.sign_off": {**ids, "number": 1},
        "procedures.record_sign_offs": {**ids, "number": 1},
        "procedures.request_changes": {**ids, "number": 1},
        "procedures.review": ids,
        "procedures.retire": ids,
        "procedures.compare": ids,
    }
