import { writeFileSync } from 'node:fs';
import { campaignJsonSchema } from '../domain/campaign';

/** `cartflow campaigns schema`: regenerates the editor schema after a change to domain/campaign.ts. */
export function writeCampaignSchema(): void {
  const target = new URL('./campaign.schema.json', import.meta.url);
  writeFileSync(target, `${JSON.stringify(campaignJsonSchema(), null, 2)}\n`);
  process.stdout.write(`wrote ${target.pathname}\n`);
}
