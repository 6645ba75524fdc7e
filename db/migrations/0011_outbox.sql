CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"event_id" text NOT NULL,
	"cart_id" text NOT NULL,
	"event" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"available_at" timestamp with time zone DEFAULT now() NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"delivered_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_event_idx" ON "outbox" USING btree ("shop_id","event_id");--> statement-breakpoint
CREATE INDEX "outbox_pending_idx" ON "outbox" USING btree ("shop_id","cart_id","id") WHERE "outbox"."delivered_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_delivered_idx" ON "outbox" USING btree ("delivered_at");--> statement-breakpoint
-- Events stored before the outbox existed and never delivered (Temporal was down when the shop
-- sent them) are queued now, in the order they arrived, instead of waiting for a shop's retry.
INSERT INTO "outbox" ("shop_id", "event_id", "cart_id", "event", "created_at")
SELECT "shop_id", "event_id", "cart_id", "payload", "received_at" FROM "cart_events"
WHERE "processed_at" IS NULL ORDER BY "received_at";
