DROP INDEX "delivery_events_provider_idx";--> statement-breakpoint
CREATE UNIQUE INDEX "delivery_events_provider_idx" ON "delivery_events" USING btree ("shop_id","source","provider_event_id");