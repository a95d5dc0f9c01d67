CREATE TABLE `cart_lines` (
	`session_hash` text NOT NULL,
	`product_id` text NOT NULL,
	`warehouse_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`session_hash`, `product_id`, `warehouse_id`),
	FOREIGN KEY (`session_hash`) REFERENCES `carts`(`session_hash`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "cart_lines_quantity" CHECK("cart_lines"."quantity" BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE TABLE `carts` (
	`session_hash` text PRIMARY KEY NOT NULL,
	`revision` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `carts_updated_at` ON `carts` (`updated_at`);--> statement-breakpoint
ALTER TABLE `reservations` ADD `last_change` text;