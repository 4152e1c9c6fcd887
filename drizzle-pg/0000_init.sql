CREATE TABLE "apps" (
	"name" text COLLATE "C" PRIMARY KEY NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL,
	"updated_at" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calls" (
	"id" text COLLATE "C" PRIMARY KEY NOT NULL,
	"app_name" text COLLATE "C" NOT NULL,
	"path" text COLLATE "C" NOT NULL,
	"status" text COLLATE "C" NOT NULL,
	"created_at" bigint NOT NULL,
	"started_at" bigint,
	"completed_at" bigint,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"log" text DEFAULT '' NOT NULL,
	"request" jsonb,
	"payload" "bytea",
	"output" "bytea",
	"lease_owner" text COLLATE "C",
	"lease_until" bigint
);
--> statement-breakpoint
CREATE TABLE "changes" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "changes_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"app_name" text COLLATE "C" NOT NULL,
	"path" text COLLATE "C",
	"kind" text NOT NULL,
	"at" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL
);
--> statement-breakpoint
CREATE TABLE "nodes" (
	"name" text COLLATE "C" PRIMARY KEY NOT NULL,
	"instance" text NOT NULL,
	"started_at" bigint NOT NULL,
	"beat_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "queue_depth" (
	"id" integer PRIMARY KEY NOT NULL,
	"queued" integer DEFAULT 0 NOT NULL,
	"queued_bytes" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "routes" (
	"app_name" text COLLATE "C" NOT NULL,
	"path" text COLLATE "C" NOT NULL,
	"image" text NOT NULL,
	"type" text NOT NULL,
	"format" text NOT NULL,
	"memory" integer NOT NULL,
	"timeout" integer NOT NULL,
	"idle_timeout" integer NOT NULL,
	"user" text DEFAULT '' NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL,
	"updated_at" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL,
	CONSTRAINT "routes_app_name_path_pk" PRIMARY KEY("app_name","path")
);
--> statement-breakpoint
ALTER TABLE "routes" ADD CONSTRAINT "routes_app_name_apps_name_fk" FOREIGN KEY ("app_name") REFERENCES "public"."apps"("name") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calls_by_route" ON "calls" USING btree ("app_name","path","id");--> statement-breakpoint
CREATE INDEX "calls_by_status" ON "calls" USING btree ("status","id");