DROP INDEX IF EXISTS "outbox_pending_idx";--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "outbox_cart_idx" ON "outbox" USING btree ("shop_id","cart_id","id");