"""Competence frameworks (DigComp 2.2, GreenComp, our tourism framework), scales, items and target profiles."""
