-- What an unsubscribe, a bounce or an erasure looks up: the events naming a person's address (as
-- the shop wrote it, or in a spelling SQL cannot canonicalise), the person's carts
-- (db/person-workflow-store.ts) and the email a bounce names by its Message-ID
-- (db/delivery-event-store.ts). Before, each read every stored webhook, cart or message.
CREATE INDEX "cart_events_address_idx" ON "cart_events" USING btree ("shop_id",lower(("payload" #>> '{data,customer,email}'))) WHERE "cart_events"."type" in ('customer.created', 'order.placed');--> statement-breakpoint
CREATE INDEX "cart_events_unusual_address_idx" ON "cart_events" USING btree ("shop_id") WHERE "cart_events"."type" in ('customer.created', 'order.placed') and (("cart_events"."payload" #>> '{data,customer,email}') ~ '[^\x01-\x7f]' or ("cart_events"."payload" #>> '{data,customer,email}') ~* 'xn--' or ("cart_events"."payload" #>> '{data,customer,email}') like '%"%');--> statement-breakpoint
CREATE INDEX "carts_customer_idx" ON "carts" USING btree ("shop_id","customer_id");--> statement-breakpoint
CREATE INDEX "messages_message_id_header_idx" ON "messages" USING btree ("message_id_header");