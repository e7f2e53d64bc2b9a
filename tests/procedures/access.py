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
    "procedures.request_changes": "contribute",
    "procedures.review": "contribute",
    "procedures.retire": "contribute",
    "procedures.compare": "view",
}


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
        "procedures.request_changes": {**ids, "number": 1},
        "procedures.review": ids,
        "procedures.retire": ids,
        "procedures.compare": ids,
    }
