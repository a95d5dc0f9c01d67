-- Each write that appends ledger entries now moves its rows' pointers
-- itself, with one statement after the entries (moveLedgerHeads in
-- app/models/events.server.ts): the trigger ran once for every entry, and
-- on holds spread over many rows it was a tenth of the writer's work.
DROP TRIGGER `events_ledger_head`;
