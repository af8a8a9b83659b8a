"""Use cases of the visa service, one module per group; each runs in one transaction.

- cases: open (the journey's call), cancel (compensation), the document checklist;
- approval: the BA's labour-market approval (request, answer, deemed), the §81a agreement and pre-approval;
- consulate: appointment, lodging, decision, new application, court action, collection;
- costs: cost lines with their payer (FR-01).
"""
