-- Keeps queue_depth.queued equal to the number of `queued` calls, so the enqueue bound reads one row.
INSERT INTO `queue_depth` (`id`, `queued`) SELECT 1, count(*) FROM `calls` WHERE `status` = 'queued';
--> statement-breakpoint
CREATE TRIGGER `calls_queued_insert` AFTER INSERT ON `calls` WHEN new.`status` = 'queued'
BEGIN
	UPDATE `queue_depth` SET `queued` = `queued` + 1 WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `calls_queued_update` AFTER UPDATE OF `status` ON `calls` WHEN (old.`status` = 'queued') <> (new.`status` = 'queued')
BEGIN
	UPDATE `queue_depth` SET `queued` = `queued` + (CASE WHEN new.`status` = 'queued' THEN 1 ELSE -1 END) WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `calls_queued_delete` AFTER DELETE ON `calls` WHEN old.`status` = 'queued'
BEGIN
	UPDATE `queue_depth` SET `queued` = `queued` - 1 WHERE `id` = 1;
END;
