"""Use cases of the webhooks service; each runs in one transaction.

- endpoints: register, change, rotate the secret, send a test event, redeliver one delivery, replay since a time;
- fanout: the dispatcher's consumer side, one delivery per subscribed endpoint of the employer an event names;
  the API-key replica from matching;
- delivery: the sending side (claim due deliveries, sign, POST, record the attempt, schedule the next).
"""
