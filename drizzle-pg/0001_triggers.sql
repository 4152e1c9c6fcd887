-- The queue's depth counter and the change log, kept by triggers as on SQLite (drizzle/0002, 0004, 0006).
-- Written by hand: drizzle-kit does not generate functions or triggers.
INSERT INTO "queue_depth" ("id", "queued", "queued_bytes")
SELECT 1, count(*), coalesce(sum(length("payload")), 0) FROM "calls" WHERE "status" = 'queued';
--> statement-breakpoint
CREATE FUNCTION "hotfn_queue_depth"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	was_queued boolean := TG_OP <> 'INSERT' AND OLD."status" = 'queued';
	is_queued boolean := TG_OP <> 'DELETE' AND NEW."status" = 'queued';
BEGIN
	IF was_queued OR is_queued THEN
		UPDATE "queue_depth" SET
			"queued" = "queued" + (CASE WHEN is_queued THEN 1 ELSE 0 END) - (CASE WHEN was_queued THEN 1 ELSE 0 END),
			"queued_bytes" = "queued_bytes"
				+ (CASE WHEN is_queued THEN coalesce(length(NEW."payload"), 0) ELSE 0 END)
				- (CASE WHEN was_queued THEN coalesce(length(OLD."payload"), 0) ELSE 0 END)
		WHERE "id" = 1;
	END IF;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "calls_queued_insert" AFTER INSERT ON "calls" FOR EACH ROW WHEN (NEW."status" = 'queued') EXECUTE FUNCTION "hotfn_queue_depth"();
--> statement-breakpoint
CREATE TRIGGER "calls_queued_update" AFTER UPDATE OF "status", "payload" ON "calls" FOR EACH ROW WHEN (OLD."status" = 'queued' OR NEW."status" = 'queued') EXECUTE FUNCTION "hotfn_queue_depth"();
--> statement-breakpoint
CREATE TRIGGER "calls_queued_delete" AFTER DELETE ON "calls" FOR EACH ROW WHEN (OLD."status" = 'queued') EXECUTE FUNCTION "hotfn_queue_depth"();
--> statement-breakpoint
-- Writers of apps and routes take this lock before they touch a row and keep it to commit, so they
-- append to `changes` one at a time and `seq` order is commit order: a reader that has seen seq n
-- never later finds a smaller one. (App and route writes are rare API calls.)
CREATE FUNCTION "hotfn_changes_lock"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7301200012);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "hotfn_app_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	appended bigint;
BEGIN
	INSERT INTO "changes" ("app_name", "path", "kind")
	VALUES (CASE WHEN TG_OP = 'DELETE' THEN OLD."name" ELSE NEW."name" END, NULL,
		CASE TG_OP WHEN 'INSERT' THEN 'created' WHEN 'UPDATE' THEN 'updated' ELSE 'deleted' END)
	RETURNING "seq" INTO appended;
	PERFORM pg_notify('hotfn_changes', appended::text);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION "hotfn_route_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	appended bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN
		INSERT INTO "changes" ("app_name", "path", "kind") VALUES (OLD."app_name", OLD."path", 'deleted') RETURNING "seq" INTO appended;
	ELSE
		INSERT INTO "changes" ("app_name", "path", "kind")
		VALUES (NEW."app_name", NEW."path", CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'updated' END)
		RETURNING "seq" INTO appended;
	END IF;
	PERFORM pg_notify('hotfn_changes', appended::text);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "apps_changes_lock" BEFORE INSERT OR UPDATE OR DELETE ON "apps" FOR EACH STATEMENT EXECUTE FUNCTION "hotfn_changes_lock"();
--> statement-breakpoint
CREATE TRIGGER "routes_changes_lock" BEFORE INSERT OR UPDATE OR DELETE ON "routes" FOR EACH STATEMENT EXECUTE FUNCTION "hotfn_changes_lock"();
--> statement-breakpoint
CREATE TRIGGER "apps_changed" AFTER INSERT OR UPDATE OR DELETE ON "apps" FOR EACH ROW EXECUTE FUNCTION "hotfn_app_changed"();
--> statement-breakpoint
CREATE TRIGGER "routes_changed" AFTER INSERT OR UPDATE OR DELETE ON "routes" FOR EACH ROW EXECUTE FUNCTION "hotfn_route_changed"();
