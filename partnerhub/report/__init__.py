"""The annual report: what a partnership did over twelve months, on one printable page, for
the governing bodies behind its agencies. Each domain adds its sections through the registry."""
