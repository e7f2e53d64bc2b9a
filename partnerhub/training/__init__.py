"""Training: the sessions a partnership holds on the law and its own procedures, who attended
for which agency, and whether each agency's people are trained and still current."""
