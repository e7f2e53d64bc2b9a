"""The network view: every partnership at a glance, for the site administrators who support
them (a state coordinator, say). It reads across the domains and changes nothing."""
