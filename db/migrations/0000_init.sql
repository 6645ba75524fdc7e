CREATE TABLE "cart_events" (
	"shop_id" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"cart_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	CONSTRAINT "cart_events_shop_id_event_id_pk" PRIMARY KEY("shop_id","event_id")
);
--> statement-breakpoint
CREATE TABLE "carts" (
	"shop_id" text NOT NULL,
	"cart_id" text NOT NULL,
	"customer_id" bigint,
	"status" text DEFAULT 'open' NOT NULL,
	"currency" text,
	"total" numeric(16, 4),
	"snapshot" jsonb,
	"snapshot_updated_at" timestamp with time zone,
	"order_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "carts_shop_id_cart_id_pk" PRIMARY KEY("shop_id","cart_id"),
	CONSTRAINT "carts_status_check" CHECK ("carts"."status" in ('open', 'purchased'))
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"external_id" text,
	"email" text NOT NULL,
	"name" text,
	"locale" text DEFAULT 'en' NOT NULL,
	"time_zone" text DEFAULT 'UTC' NOT NULL,
	"b2b" boolean DEFAULT false NOT NULL,
	"marketing_consent" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"shop_id" text NOT NULL,
	"cart_id" text NOT NULL,
	"customer_id" bigint,
	"step" text NOT NULL,
	"template_id" text NOT NULL,
	"template_version" text NOT NULL,
	"status" text NOT NULL,
	"message_id_header" text NOT NULL,
	"smtp_response" text,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone,
	CONSTRAINT "messages_status_check" CHECK ("messages"."status" in ('sending', 'sent', 'skipped', 'failed'))
);
--> statement-breakpoint
ALTER TABLE "carts" ADD CONSTRAINT "carts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cart_events_cart_idx" ON "cart_events" USING btree ("shop_id","cart_id");--> statement-breakpoint
CREATE UNIQUE INDEX "customers_shop_email_idx" ON "customers" USING btree ("shop_id","email");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_key_idx" ON "messages" USING btree ("key");--> statement-breakpoint
CREATE INDEX "messages_cart_idx" ON "messages" USING btree ("shop_id","cart_id");