"""Clause catalogues: ISO/IEC 17025:2017 and accreditation-body requirements, as data."""
