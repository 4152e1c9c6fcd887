-- Keeps queue_depth.queued_bytes equal to the payload bytes of the `queued` calls, beside the count
-- (0002), so the enqueue bound on bytes reads one row. The count triggers are replaced by ones that
-- keep both.
UPDATE `queue_depth` SET `queued_bytes` = (SELECT coalesce(sum(length(`payload`)), 0) FROM `calls` WHERE `status` = 'queued') WHERE `id` = 1;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `calls_queued_insert`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `calls_queued_update`;
--> statement-breakpoint
DROP TRIGGER IF EXISTS `calls_queued_delete`;
--> statement-breakpoint
CREATE TRIGGER `calls_queued_insert` AFTER INSERT ON `calls` WHEN new.`status` = 'queued'
BEGIN
	UPDATE `queue_depth` SET `queued` = `queued` + 1, `queued_bytes` = `queued_bytes` + coalesce(length(new.`payload`), 0) WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `calls_queued_update` AFTER UPDATE OF `status`, `payload` ON `calls` WHEN old.`status` = 'queued' OR new.`status` = 'queued'
BEGIN
	UPDATE `queue_depth` SET
		`queued` = `queued` + (CASE WHEN new.`status` = 'queued' THEN 1 ELSE 0 END) - (CASE WHEN old.`status` = 'queued' THEN 1 ELSE 0 END),
		`queued_bytes` = `queued_bytes`
			+ (CASE WHEN new.`status` = 'queued' THEN coalesce(length(new.`payload`), 0) ELSE 0 END)
			- (CASE WHEN old.`status` = 'queued' THEN coalesce(length(old.`payload`), 0) ELSE 0 END)
	WHERE `id` = 1;
END;
--> statement-breakpoint
CREATE TRIGGER `calls_queued_delete` AFTER DELETE ON `calls` WHEN old.`status` = 'queued'
BEGIN
	UPDATE `queue_depth` SET `queued` = `queued` - 1, `queued_bytes` = `queued_bytes` - coalesce(length(old.`payload`), 0) WHERE `id` = 1;
END;
