"""Routes of the annual report and who may reach them."""

ROUTES = {
    "report.annual": "view",
    "report.table_csv": "view",
    "report.annual_pdf": "view",
}


def url_values(make, world) -> dict[str, dict]:
    return {"report.table_csv": {"key": "meetings"}}
