"""Webhooks service: employers' endpoints and subscriptions, and a dispatcher that delivers signed (Standard
Webhooks) events to them with retries, a delivery log, redelivery and replay."""
