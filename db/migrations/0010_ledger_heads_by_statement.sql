-- Each write that appends ledger entries now moves its rows' pointers
-- itself, with one statement after the entries (moveLedgerHeads in
-- app/models/events.server.ts): the trigger ran once for every entry, and
-- a group of holds spread over many rows appends one for each row.
DROP TRIGGER `events_ledger_head`;
