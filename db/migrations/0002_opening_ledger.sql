-- Operators' stock changes are recorded in the events table from now on
-- ("stock_adjusted"). A row stocked before that gets one opening entry with
-- its total as it stands, so that replaying the ledger gives every row's
-- total. New databases get theirs from the seed. `soldBeforeLedger` is what
-- the row sold outside any hold Holdfast still has (a repair adds the
-- confirmed holds to it), while `after` is the row as it stands.
INSERT INTO `events` (`type`, `product_id`, `warehouse_id`, `payload`, `created_at`)
SELECT 'stock_adjusted', i.product_id, i.warehouse_id,
       json_object('reason', 'opening', 'note', 'recorded when the ledger began', 'operator', 'migration',
                   'before', NULL,
                   'after', json_object('total', i.total, 'reserved', i.reserved, 'sold', i.sold),
                   'soldBeforeLedger', i.sold - (SELECT coalesce(sum(ri.quantity), 0)
                                                 FROM `reservation_items` ri JOIN `reservations` r ON r.id = ri.reservation_id
                                                 WHERE r.status = 'confirmed' AND ri.product_id = i.product_id
                                                   AND ri.warehouse_id = i.warehouse_id)),
       CAST(unixepoch('subsec') * 1000 AS INTEGER)
FROM `inventory` i
WHERE NOT EXISTS (SELECT 1 FROM `events` e
                  WHERE e.type = 'stock_adjusted' AND e.product_id = i.product_id AND e.warehouse_id = i.warehouse_id);
