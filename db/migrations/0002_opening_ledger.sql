-- Operators' stock changes are recorded in the events table from now on
-- ("stock_adjusted"). A row stocked before that gets one opening entry with
-- its total as it stands, so that replaying the ledger gives every row's
-- total. New databases get theirs from the seed.
INSERT INTO `events` (`type`, `product_id`, `warehouse_id`, `payload`, `created_at`)
SELECT 'stock_adjusted', i.product_id, i.warehouse_id,
       json_object('reason', 'opening', 'note', 'recorded when the ledger began', 'operator', 'migration',
                   'before', NULL,
                   'after', json_object('total', i.total, 'reserved', i.reserved, 'sold', i.sold)),
       CAST(unixepoch('subsec') * 1000 AS INTEGER)
FROM `inventory` i
WHERE NOT EXISTS (SELECT 1 FROM `events` e
                  WHERE e.type = 'stock_adjusted' AND e.product_id = i.product_id AND e.warehouse_id = i.warehouse_id);
