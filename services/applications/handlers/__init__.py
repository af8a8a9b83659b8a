"""Use cases of the applications service, one module per group; each runs in one transaction.

- registration: create a draft with its candidate, edit a draft;
- screening: submit, decide (pre-select or reject), withdraw;
- documents: upload, review;
- personal_data: reveal ID numbers (audited), erase, and the job that deletes erased files.
"""
