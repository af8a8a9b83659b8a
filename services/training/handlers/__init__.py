"""Use cases of the training service, one module per group; each runs in one transaction.

- cohorts: plan, change, start/end/cancel a cohort; filling free places from the waiting list;
- enrolments: enrol (the journey's call), cancel, dropout, intercultural module, level reached in class;
- attendance: sessions with presence per candidate, rates per period and the threshold;
- exams: registration (a fee never paid by the candidate), module results, certificates and verification.
"""
