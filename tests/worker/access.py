"""Routes of the process machinery and the outbox pages, and who may reach them."""

ROUTES = {
    "health.healthz": "public",
    "health.readyz": "public",
    "notifications.outbox_page": "admin",
    "notifications.retry": "admin",
    "notifications.cancel": "admin",
    "notifications.failed_mail": "manage",
}


def url_values(make, world) -> dict[str, dict]:
    failed = make.outbox_email(partnership=world.partnership)
    pending = make.outbox_email(partnership=world.partnership)
    failed.status = failed.status.FAILED
    return {
        "notifications.retry": {"message_id": failed.id},
        "notifications.cancel": {"message_id": pending.id},
    }
