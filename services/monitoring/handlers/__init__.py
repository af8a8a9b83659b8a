"""Use cases of the monitoring service, one module per group; each runs in one transaction.

- predeparture: the journey's start call, orientation, insurance, flight, departure;
- arrival: arrival, address registration, bank account, health insurance, school, residence permit;
- followup: tasks, check-ins and risk, probation, termination, exams, completion, after the training;
- ledger: cost lines with payer (FR-01), alerts, document custody (FR-06), first-month earnings;
- grievances: open, acknowledge, escalate, resolve (FR-07);
- projection: the read models from every topic (statistics, the ledger's lines from other services).
"""
