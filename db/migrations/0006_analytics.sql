CREATE TABLE "analytics_arm_daily" (
	"shop_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"campaign_version" integer NOT NULL,
	"segment" text NOT NULL,
	"experiment" text NOT NULL,
	"arm" text NOT NULL,
	"currency" text NOT NULL,
	"day" date NOT NULL,
	"entered" integer DEFAULT 0 NOT NULL,
	"converted" integer DEFAULT 0 NOT NULL,
	"orders" integer DEFAULT 0 NOT NULL,
	"revenue_minor" bigint DEFAULT 0 NOT NULL,
	"revenue_squares_minor" numeric(40, 0) DEFAULT '0' NOT NULL,
	"recovered_carts" integer DEFAULT 0 NOT NULL,
	"human_clicked" integer DEFAULT 0 NOT NULL,
	"human_opened" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_arm_daily_shop_id_campaign_id_campaign_version_segment_experiment_arm_currency_day_pk" PRIMARY KEY("shop_id","campaign_id","campaign_version","segment","experiment","arm","currency","day")
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"shop_id" text NOT NULL,
	"order_id" text NOT NULL,
	"customer_id" bigint,
	"cart_id" text,
	"placed_at" timestamp with time zone NOT NULL,
	"currency" text NOT NULL,
	"total_minor" bigint NOT NULL,
	"discount_codes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"items" jsonb,
	"event_id" text,
	"attributed_message_id" uuid,
	"attribution_touch" text,
	"attributed_touch_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_shop_id_order_id_pk" PRIMARY KEY("shop_id","order_id")
);
--> statement-breakpoint
CREATE TABLE "analytics_step_daily" (
	"shop_id" text NOT NULL,
	"campaign_id" text NOT NULL,
	"campaign_version" integer NOT NULL,
	"step" text NOT NULL,
	"segment" text NOT NULL,
	"variant" text NOT NULL,
	"currency" text NOT NULL,
	"day" date NOT NULL,
	"reached" integer DEFAULT 0 NOT NULL,
	"sent" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"bounced" integer DEFAULT 0 NOT NULL,
	"complained" integer DEFAULT 0 NOT NULL,
	"unsubscribed" integer DEFAULT 0 NOT NULL,
	"human_opened" integer DEFAULT 0 NOT NULL,
	"machine_opens" integer DEFAULT 0 NOT NULL,
	"human_clicked" integer DEFAULT 0 NOT NULL,
	"machine_clicks" integer DEFAULT 0 NOT NULL,
	"attributed_orders" integer DEFAULT 0 NOT NULL,
	"attributed_revenue_minor" bigint DEFAULT 0 NOT NULL,
	"recovered_carts" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "analytics_step_daily_shop_id_campaign_id_campaign_version_step_segment_variant_currency_day_pk" PRIMARY KEY("shop_id","campaign_id","campaign_version","step","segment","variant","currency","day")
);
--> statement-breakpoint
CREATE TABLE "unsubscribe_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"message_id" uuid NOT NULL,
	"scope" text NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "arm" text;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "variants" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "currency" text;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "conversion_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "orders" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "revenue_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "recovered_cart" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "human_opened" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "chains" ADD COLUMN "human_clicked" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "workflow_id" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "currency" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attribution_window_seconds" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attribution_touch" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "human_opens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "machine_opens" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "human_clicks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "machine_clicks" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "first_human_open_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "first_human_click_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "bounced_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "complained_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "unsubscribed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attributed_orders" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "attributed_revenue_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "recovered_carts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_attributed_message_id_messages_id_fk" FOREIGN KEY ("attributed_message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "unsubscribe_events" ADD CONSTRAINT "unsubscribe_events_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "orders_customer_idx" ON "orders" USING btree ("shop_id","customer_id","placed_at");--> statement-breakpoint
CREATE INDEX "orders_cart_idx" ON "orders" USING btree ("shop_id","cart_id");--> statement-breakpoint
CREATE INDEX "orders_message_idx" ON "orders" USING btree ("attributed_message_id");--> statement-breakpoint
CREATE INDEX "unsubscribe_events_message_idx" ON "unsubscribe_events" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "chains_campaign_idx" ON "chains" USING btree ("campaign_id","started_at");--> statement-breakpoint
CREATE INDEX "messages_customer_sent_idx" ON "messages" USING btree ("shop_id","customer_id","sent_at");--> statement-breakpoint
CREATE INDEX "messages_workflow_idx" ON "messages" USING btree ("workflow_id");