-- Each row points at its newest ledger entry (a stock_changed,
-- stock_adjusted or stock_repaired event), kept by a trigger in the same
-- write as the entry, so the consistency check no longer needs an index on
-- events keyed by row. That index (events_row) and the one on a hold's lines
-- by row (reservation_items_row) went into every hold's write at a page of
-- their own per row touched: on holds spread over many rows they were most
-- of what a commit wrote. A row's repair finds its opening entry by the
-- small index on stock adjustments alone, and sums its lines from the holds.
ALTER TABLE `inventory` ADD `ledger_event_id` integer;--> statement-breakpoint
UPDATE `inventory` SET `ledger_event_id` = (
  SELECT max(e.id) FROM `events` e
  WHERE e.product_id = `inventory`.product_id AND e.warehouse_id = `inventory`.warehouse_id
    AND e.type IN ('stock_changed', 'stock_adjusted', 'stock_repaired'));--> statement-breakpoint
CREATE TRIGGER `events_ledger_head` AFTER INSERT ON `events`
WHEN NEW.type IN ('stock_changed', 'stock_adjusted', 'stock_repaired') AND NEW.product_id IS NOT NULL
BEGIN
  UPDATE `inventory` SET `ledger_event_id` = NEW.id
  WHERE `product_id` = NEW.product_id AND `warehouse_id` = NEW.warehouse_id;
END;--> statement-breakpoint
CREATE INDEX `events_row_adjustments` ON `events` (`product_id`,`warehouse_id`,`id`) WHERE "events"."type" = 'stock_adjusted';--> statement-breakpoint
DROP INDEX `events_row`;--> statement-breakpoint
DROP INDEX `reservation_items_row`;
