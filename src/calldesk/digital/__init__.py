"""Chat, SMS and email: text interactions in the same queues as calls.

`model` (messages, conversations), `store` (SQLite transcript), `session` (a YAML flow run over
a message transport), `desk` (intake, threading, hand-off to the ACD, agent replies, closing),
`idle` (the pure reminder/close policy), one subpackage per medium's adapters."""
