CREATE TABLE "shops" (
	"id" text PRIMARY KEY NOT NULL,
	"platform" text NOT NULL,
	"shopify_domain" text,
	"webhook_secret" text NOT NULL,
	"webhook_secret_previous" text,
	"secret_rotated_at" timestamp with time zone,
	"from_name" text,
	"from_address" text,
	"reply_to" text,
	"postal_address" jsonb,
	"default_locale" text,
	"currencies" jsonb,
	"discount_source" jsonb DEFAULT '{"kind":"builtin"}'::jsonb NOT NULL,
	"campaigns_dir" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "shops_platform_check" CHECK ("shops"."platform" in ('generic', 'shopify'))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "shops_shopify_domain_idx" ON "shops" USING btree ("shopify_domain");