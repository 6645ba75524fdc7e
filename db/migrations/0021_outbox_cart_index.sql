DROP INDEX "outbox_pending_idx";--> statement-breakpoint
CREATE INDEX "outbox_cart_idx" ON "outbox" USING btree ("shop_id","cart_id","id");