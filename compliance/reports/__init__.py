"""Reports an assessor or a quality manager takes away: .docx files and the evidence package."""
