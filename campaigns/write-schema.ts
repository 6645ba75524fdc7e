import { writeFileSync } from 'node:fs';
import { campaignJsonSchema } from '../domain/campaign';
import { parseNoArguments } from '../app/process';

// `npm run campaigns:schema`: regenerates the editor schema after a change to domain/campaign.ts.
parseNoArguments({
  name: 'cartflow campaigns:schema',
  description: 'regenerate campaigns/campaign.schema.json (the editor schema) from domain/campaign.ts',
});
const target = new URL('./campaign.schema.json', import.meta.url);
writeFileSync(target, `${JSON.stringify(campaignJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target.pathname}`);
