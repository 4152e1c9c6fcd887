CREATE TABLE `apps` (
	`name` text PRIMARY KEY NOT NULL,
	`config` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`app_name` text NOT NULL,
	`path` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`completed_at` integer,
	`error` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`log` text DEFAULT '' NOT NULL,
	`request` text,
	`payload` blob,
	`output` blob,
	`lease_owner` text,
	`lease_until` integer
);
--> statement-breakpoint
CREATE INDEX `calls_by_route` ON `calls` (`app_name`,`path`,`id`);--> statement-breakpoint
CREATE INDEX `calls_by_status` ON `calls` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `routes` (
	`app_name` text NOT NULL,
	`path` text NOT NULL,
	`image` text NOT NULL,
	`type` text NOT NULL,
	`format` text NOT NULL,
	`memory` integer NOT NULL,
	`timeout` integer NOT NULL,
	`idle_timeout` integer NOT NULL,
	`headers` text DEFAULT '{}' NOT NULL,
	`config` text DEFAULT '{}' NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	PRIMARY KEY(`app_name`, `path`),
	FOREIGN KEY (`app_name`) REFERENCES `apps`(`name`) ON UPDATE no action ON DELETE no action
);
