-- Appends every app and route write to `changes`, in the same transaction as the write, so every
-- process on this database learns of it (store/change-watch.ts). SQLite runs one writer at a time,
-- so `seq` order is commit order.
CREATE TRIGGER `apps_changed_insert` AFTER INSERT ON `apps`
BEGIN
	INSERT INTO `changes` (`app_name`, `path`, `kind`) VALUES (new.`name`, NULL, 'created');
END;
--> statement-breakpoint
CREATE TRIGGER `apps_changed_update` AFTER UPDATE ON `apps`
BEGIN
	INSERT INTO `changes` (`app_name`, `path`, `kind`) VALUES (new.`name`, NULL, 'updated');
END;
--> statement-breakpoint
CREATE TRIGGER `apps_changed_delete` AFTER DELETE ON `apps`
BEGIN
	INSERT INTO `changes` (`app_name`, `path`, `kind`) VALUES (old.`name`, NULL, 'deleted');
END;
--> statement-breakpoint
CREATE TRIGGER `routes_changed_insert` AFTER INSERT ON `routes`
BEGIN
	INSERT INTO `changes` (`app_name`, `path`, `kind`) VALUES (new.`app_name`, new.`path`, 'created');
END;
--> statement-breakpoint
CREATE TRIGGER `routes_changed_update` AFTER UPDATE ON `routes`
BEGIN
	INSERT INTO `changes` (`app_name`, `path`, `kind`) VALUES (new.`app_name`, new.`path`, 'updated');
END;
--> statement-breakpoint
CREATE TRIGGER `routes_changed_delete` AFTER DELETE ON `routes`
BEGIN
	INSERT INTO `changes` (`app_name`, `path`, `kind`) VALUES (old.`app_name`, old.`path`, 'deleted');
END;
