"""What the quality-system records share: intervals, reference numbers, clause evidence."""
