CREATE TABLE "chains" (
	"workflow_id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"customer_id" bigint,
	"cart_id" text,
	"trigger" text NOT NULL,
	"campaign_id" text NOT NULL,
	"campaign_version" integer NOT NULL,
	"segment" text NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"outcome" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "discount_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"shop_id" text NOT NULL,
	"code" text NOT NULL,
	"cart_id" text,
	"customer_id" bigint,
	"type" text NOT NULL,
	"value" numeric(12, 4) NOT NULL,
	"currency" text,
	"expires_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"source" text NOT NULL,
	"external_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"used_at" timestamp with time zone,
	"disabled_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "suppressions" (
	"shop_id" text NOT NULL,
	"email" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "suppressions_shop_id_email_pk" PRIMARY KEY("shop_id","email")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "campaign_id" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "campaign_version" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "segment" text;--> statement-breakpoint
ALTER TABLE "chains" ADD CONSTRAINT "chains_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "discount_codes" ADD CONSTRAINT "discount_codes_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "chains_customer_idx" ON "chains" USING btree ("shop_id","customer_id","trigger","status");--> statement-breakpoint
CREATE UNIQUE INDEX "discount_codes_key_idx" ON "discount_codes" USING btree ("key");--> statement-breakpoint
CREATE UNIQUE INDEX "discount_codes_code_idx" ON "discount_codes" USING btree ("shop_id","code");