"""Applications service: candidates, applications, documents, eligibility, pre-selection, consent, erasure."""
