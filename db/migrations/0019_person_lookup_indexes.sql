-- What an unsubscribe, a bounce or an erasure looks up: the events naming a person's address (as
-- the shop wrote it, or in a spelling SQL cannot canonicalise) and the person's carts. Before, each
-- read every stored webhook and every cart (db/person-workflow-store.ts).
CREATE INDEX "cart_events_address_idx" ON "cart_events" USING btree ("shop_id",lower(("payload" #>> '{data,customer,email}'))) WHERE "cart_events"."type" in ('customer.created', 'order.placed');--> statement-breakpoint
CREATE INDEX "cart_events_unusual_address_idx" ON "cart_events" USING btree ("shop_id") WHERE "cart_events"."type" in ('customer.created', 'order.placed') and (("cart_events"."payload" #>> '{data,customer,email}') ~ '[^\x01-\x7f]' or ("cart_events"."payload" #>> '{data,customer,email}') ~* 'xn--' or ("cart_events"."payload" #>> '{data,customer,email}') like '%"%');--> statement-breakpoint
CREATE INDEX "carts_customer_idx" ON "carts" USING btree ("shop_id","customer_id");