ALTER TABLE "messages" ADD COLUMN "kind" text DEFAULT 'marketing' NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "recipient_role" text DEFAULT 'customer' NOT NULL;