"""A long test procedure (.docx) written with python-docx: headings, numbered steps, a table and a
page break per page, about as dense as a real AS6171 work instruction."""

from __future__ import annotations

import random
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK

TEXT = (
    "verify the specimen under the stereo microscope and record the lot date code marking "
    "resurfacing blacktopping evidence calibration status of the XRF analyser before each "
    "session acceptance criteria reject any part whose leads show re-tinning or sanding marks "
    "the analyst signs the traveller and the reviewer confirms the result against the plan"
)


def write_procedure(path: Path, pages: int, *, seed: int = 1) -> Path:
    """Write a `pages`-page procedure to `path` (kept if already there) and return the path."""
    if path.exists():
        return path
    rng = random.Random(seed)  # noqa: S311 (filler text, not a secret)
    words = TEXT.split()
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "TM-AS6171-BENCH Long procedure"
    section.footer.paragraphs[0].text = "Meridian Component Test Laboratory"
    document.add_heading("TM-AS6171-BENCH Counterfeit part inspection, long form", level=0)
    for page in range(1, pages + 1):
        document.add_heading(f"{page}. Inspection stage {page}", level=1)
        for step in range(1, 6):
            text = " ".join(rng.choice(words) for _ in range(55))
            document.add_paragraph(f"{page}.{step} {text.capitalize()}.", style="List Number")
        if page % 5 == 0:
            table = document.add_table(rows=4, cols=3)
            for r, row in enumerate(table.rows):
                for c, cell in enumerate(row.cells):
                    cell.text = f"Criterion {page}-{r}-{c}"
        document.paragraphs[-1].add_run().add_break(WD_BREAK.PAGE)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path
