ALTER TABLE `products` ADD `archived` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `products` ADD `low_stock_threshold` integer DEFAULT 5 NOT NULL CONSTRAINT "products_low_stock_threshold_non_negative" CHECK("low_stock_threshold" >= 0);--> statement-breakpoint
CREATE INDEX `reservations_created_at` ON `reservations` (`created_at`);
