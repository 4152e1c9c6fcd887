ALTER TABLE `queue_depth` ADD `queued_bytes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `routes` ADD `user` text DEFAULT '' NOT NULL;