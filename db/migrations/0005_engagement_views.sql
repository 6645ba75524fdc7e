-- One row per sent message with its opens and clicks, human and machine counted apart
-- (tracking/machine.ts decides which is which; docs/tracking.md explains the rules).
-- Analysts group it by campaign, version, segment, template, subject variant and locale.
CREATE VIEW "message_engagement" AS
SELECT
	m."id" AS "message_id",
	m."shop_id",
	m."campaign_id",
	m."campaign_version",
	m."segment",
	m."step",
	m."template_id",
	m."subject_variant",
	m."locale",
	m."kind",
	m."sent_at",
	count(*) FILTER (WHERE e."type" = 'open' AND NOT e."machine")::integer AS "human_opens",
	count(*) FILTER (WHERE e."type" = 'open' AND e."machine")::integer AS "machine_opens",
	count(*) FILTER (WHERE e."type" = 'click' AND NOT e."machine")::integer AS "human_clicks",
	count(*) FILTER (WHERE e."type" = 'click' AND e."machine")::integer AS "machine_clicks",
	min(e."occurred_at") FILTER (WHERE e."type" = 'open' AND NOT e."machine") AS "first_human_open_at",
	min(e."occurred_at") FILTER (WHERE e."type" = 'click' AND NOT e."machine") AS "first_human_click_at"
FROM "messages" m
LEFT JOIN "tracking_events" e ON e."message_id" = m."id"
WHERE m."status" = 'sent'
GROUP BY m."id";
