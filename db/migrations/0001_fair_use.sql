ALTER TABLE `reservations` ADD `client_key` text;--> statement-breakpoint
ALTER TABLE `reservations` ADD `address_key` text;--> statement-breakpoint
CREATE INDEX `reservations_pending_client` ON `reservations` (`client_key`) WHERE "reservations"."status" = 'pending';--> statement-breakpoint
CREATE INDEX `reservations_pending_address` ON `reservations` (`address_key`) WHERE "reservations"."status" = 'pending';