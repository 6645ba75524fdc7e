CREATE TABLE "category_opt_outs" (
	"shop_id" text NOT NULL,
	"email" text NOT NULL,
	"category" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "category_opt_outs_shop_id_email_category_pk" PRIMARY KEY("shop_id","email","category")
);
--> statement-breakpoint
CREATE TABLE "delivery_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"email" text NOT NULL,
	"type" text NOT NULL,
	"message_id" uuid,
	"source" text NOT NULL,
	"provider_event_id" text,
	"detail" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tracking_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"message_id" uuid NOT NULL,
	"type" text NOT NULL,
	"link_index" integer,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"user_agent" text,
	"ip_prefix" text,
	"machine" boolean NOT NULL,
	"machine_reason" text
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "recipient" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "locale" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "subject_variant" integer;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "links" jsonb;--> statement-breakpoint
ALTER TABLE "suppressions" ADD COLUMN "source" text;--> statement-breakpoint
ALTER TABLE "suppressions" ADD COLUMN "detail" text;--> statement-breakpoint
ALTER TABLE "delivery_events" ADD CONSTRAINT "delivery_events_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tracking_events" ADD CONSTRAINT "tracking_events_message_id_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."messages"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "delivery_events_email_idx" ON "delivery_events" USING btree ("shop_id","email","occurred_at");--> statement-breakpoint
CREATE UNIQUE INDEX "delivery_events_provider_idx" ON "delivery_events" USING btree ("source","provider_event_id");--> statement-breakpoint
CREATE INDEX "tracking_events_message_idx" ON "tracking_events" USING btree ("message_id","type");