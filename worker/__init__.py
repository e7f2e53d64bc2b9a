"""The Celery application: reminders, renewal and review flags, mail delivery."""
