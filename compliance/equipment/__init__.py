"""Equipment and calibration (clauses 6.4, 6.5, 6.6): register, programme, traceability, impact."""
