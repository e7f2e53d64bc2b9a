"""Routes of the reminders part of the notifications module and who may reach them."""

from partnerhub.notifications.models import ReminderKind
from partnerhub.notifications.preferences import unsubscribe_token

ROUTES = {
    "notifications.email_preferences": "login",
    "notifications.unsubscribe": "token",
    "notifications.flags": "view",
    "notifications.acknowledge_flag": "manage",
    "notifications.recipients": "manage",
}

# (endpoint, a valid submission, fields whose input must come back when refused)
FORMS = [
    ("notifications.email_preferences", {"meeting_reminder": "y", "daily_digest": "y"}, []),
    ("notifications.acknowledge_flag", {"note": "The renewal is drafted."}, ["note"]),
]


def url_values(make, world) -> dict[str, dict]:
    flag = make.flag(world.partnership)
    kind = ReminderKind.MEETING_REMINDER
    token = unsubscribe_token("test secret key", world.member.user_id, kind)
    return {
        "notifications.unsubscribe": {"token": token},
        "notifications.acknowledge_flag": {"flag_id": flag.id},
    }
