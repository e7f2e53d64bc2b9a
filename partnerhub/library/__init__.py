"""The resource library: templates, guidance, trainings and sample agreements, curated site-wide
by site administrators and added to by each partnership."""
