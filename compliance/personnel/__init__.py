"""Personnel (clause 6.2): staff, job roles, training, competence and authorization per method."""
