CREATE TABLE `queue_depth` (
	`id` integer PRIMARY KEY NOT NULL,
	`queued` integer DEFAULT 0 NOT NULL
);
