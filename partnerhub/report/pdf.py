"""The report as a PDF, drawn by WeasyPrint from the report's own HTML and print stylesheet."""

from __future__ import annotations

from functools import cache

from partnerhub.config import PROJECT_ROOT

STYLESHEET = PROJECT_ROOT / "partnerhub" / "static" / "app.css"


@cache
def available() -> bool:
    """WeasyPrint and the system libraries it draws with (Pango) are installed."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def render(html: str) -> bytes:
    """A PDF of `html`; it loads nothing from the network or the disk but the stylesheet."""
    import weasyprint

    def refuse(url, *args, **kwargs):
        raise ValueError(f"the report loads no resource: {url}")

    return weasyprint.HTML(string=html, url_fetcher=refuse).write_pdf(
        stylesheets=[weasyprint.CSS(filename=str(STYLESHEET))]
    )
