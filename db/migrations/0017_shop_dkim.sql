-- A shop's own DKIM signing domain, selector and PEM private key (cartflow shops add --dkim-*), so
-- its mail is DMARC-aligned with its own From domain; all three or none (null: DKIM_* sign it).
ALTER TABLE "shops" ADD COLUMN "dkim_domain" text;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "dkim_selector" text;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "dkim_private_key" text;--> statement-breakpoint
ALTER TABLE "shops" ADD CONSTRAINT "shops_dkim_check" CHECK (("shops"."dkim_domain" is null) = ("shops"."dkim_selector" is null) and ("shops"."dkim_selector" is null) = ("shops"."dkim_private_key" is null));