CREATE TABLE `customers` (
	`key` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "customers_display_name_length" CHECK(length("customers"."display_name") BETWEEN 2 AND 30)
);
--> statement-breakpoint
CREATE TABLE `drop_products` (
	`drop_id` text NOT NULL,
	`product_id` text NOT NULL,
	PRIMARY KEY(`drop_id`, `product_id`),
	FOREIGN KEY (`drop_id`) REFERENCES `drops`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `drop_products_product` ON `drop_products` (`product_id`);--> statement-breakpoint
CREATE TABLE `drops` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`starts_at` integer NOT NULL,
	`ends_at` integer,
	`hold_ttl_seconds` integer NOT NULL,
	`max_per_customer` integer NOT NULL,
	`extensions` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "drops_name_length" CHECK(length("drops"."name") BETWEEN 1 AND 80),
	CONSTRAINT "drops_window" CHECK("drops"."ends_at" IS NULL OR "drops"."ends_at" > "drops"."starts_at"),
	CONSTRAINT "drops_hold_ttl" CHECK("drops"."hold_ttl_seconds" BETWEEN 10 AND 3600),
	CONSTRAINT "drops_max_per_customer" CHECK("drops"."max_per_customer" >= 1),
	CONSTRAINT "drops_extensions" CHECK("drops"."extensions" BETWEEN 0 AND 5)
);
--> statement-breakpoint
CREATE TABLE `waitlist` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`drop_id` text NOT NULL,
	`product_id` text NOT NULL,
	`customer_key` text NOT NULL,
	`customer_id` text,
	`api_key_id` text,
	`session_hash` text,
	`status` text NOT NULL,
	`place` integer,
	`max_active_holds` integer NOT NULL,
	`reservation_id` text,
	`warehouse_id` text,
	`joined_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`drop_id`) REFERENCES `drops`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "waitlist_status_known" CHECK("waitlist"."status" IN ('waiting', 'offered', 'lapsed'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX `waitlist_customer` ON `waitlist` (`drop_id`,`product_id`,`customer_key`);--> statement-breakpoint
CREATE INDEX `waitlist_line` ON `waitlist` (`product_id`,`place`) WHERE "waitlist"."place" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `waitlist_reservation` ON `waitlist` (`reservation_id`) WHERE "waitlist"."reservation_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX `waitlist_offered` ON `waitlist` (`updated_at`) WHERE "waitlist"."status" = 'offered';--> statement-breakpoint
ALTER TABLE `events` ADD `api_key_id` text;--> statement-breakpoint
CREATE INDEX `events_api_key` ON `events` (`api_key_id`,`id`) WHERE "events"."api_key_id" IS NOT NULL;--> statement-breakpoint
ALTER TABLE `products` ADD `max_per_customer` integer DEFAULT 0 NOT NULL CONSTRAINT "products_max_per_customer_non_negative" CHECK("max_per_customer" >= 0);--> statement-breakpoint
ALTER TABLE `reservations` ADD `ttl_ms` integer;--> statement-breakpoint
ALTER TABLE `reservations` ADD `max_extensions` integer;--> statement-breakpoint
ALTER TABLE `reservations` ADD `customer_key` text;--> statement-breakpoint
ALTER TABLE `reservations` ADD `api_key_id` text;--> statement-breakpoint
CREATE INDEX `reservations_customer` ON `reservations` (`customer_key`) WHERE "reservations"."customer_key" IS NOT NULL;