CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`type` text NOT NULL,
	`reservation_id` text,
	`product_id` text,
	`warehouse_id` text,
	`payload` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_reservation` ON `events` (`reservation_id`);--> statement-breakpoint
CREATE INDEX `events_created_at` ON `events` (`created_at`);--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`response_status` integer,
	`response_body` text,
	`created_at` integer NOT NULL,
	`completed_at` integer,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_created_at` ON `idempotency_keys` (`created_at`);--> statement-breakpoint
CREATE TABLE `inventory` (
	`product_id` text NOT NULL,
	`warehouse_id` text NOT NULL,
	`total` integer NOT NULL,
	`reserved` integer DEFAULT 0 NOT NULL,
	`sold` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`product_id`, `warehouse_id`),
	FOREIGN KEY (`product_id`) REFERENCES `products`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`warehouse_id`) REFERENCES `warehouses`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "inventory_total_non_negative" CHECK("inventory"."total" >= 0),
	CONSTRAINT "inventory_reserved_non_negative" CHECK("inventory"."reserved" >= 0),
	CONSTRAINT "inventory_sold_non_negative" CHECK("inventory"."sold" >= 0),
	CONSTRAINT "inventory_no_oversell" CHECK("inventory"."reserved" + "inventory"."sold" <= "inventory"."total")
);
--> statement-breakpoint
CREATE TABLE `products` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`price_cents` integer NOT NULL,
	`currency` text NOT NULL,
	`image_url` text NOT NULL,
	`category` text NOT NULL,
	`created_at` integer NOT NULL,
	CONSTRAINT "products_price_cents_non_negative" CHECK("products"."price_cents" >= 0),
	CONSTRAINT "products_currency_iso" CHECK(length("products"."currency") = 3)
);
--> statement-breakpoint
CREATE INDEX `products_category` ON `products` (`category`);--> statement-breakpoint
CREATE TABLE `reservation_items` (
	`reservation_id` text NOT NULL,
	`product_id` text NOT NULL,
	`warehouse_id` text NOT NULL,
	`quantity` integer NOT NULL,
	PRIMARY KEY(`reservation_id`, `product_id`, `warehouse_id`),
	FOREIGN KEY (`reservation_id`) REFERENCES `reservations`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "reservation_items_quantity_positive" CHECK("reservation_items"."quantity" > 0)
);
--> statement-breakpoint
CREATE INDEX `reservation_items_row` ON `reservation_items` (`product_id`,`warehouse_id`);--> statement-breakpoint
CREATE TABLE `reservations` (
	`id` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`holder_hash` text NOT NULL,
	`session_hash` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`extension_count` integer DEFAULT 0 NOT NULL,
	CONSTRAINT "reservations_status_known" CHECK("reservations"."status" IN ('pending', 'confirmed', 'released', 'expired')),
	CONSTRAINT "reservations_expiry_after_creation" CHECK("reservations"."expires_at" > "reservations"."created_at"),
	CONSTRAINT "reservations_extensions_non_negative" CHECK("reservations"."extension_count" >= 0)
);
--> statement-breakpoint
CREATE INDEX `reservations_pending_expiry` ON `reservations` (`expires_at`) WHERE "reservations"."status" = 'pending';--> statement-breakpoint
CREATE TABLE `warehouses` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`city` text NOT NULL
);
