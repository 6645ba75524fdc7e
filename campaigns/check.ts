import { CampaignFileError, DEFAULT_CAMPAIGNS_DIR, loadCampaigns } from './load';

// `npm run campaigns:check [folder]`: validates campaign files without starting anything.
const dir = process.argv[2] ?? DEFAULT_CAMPAIGNS_DIR;
try {
  const campaigns = await loadCampaigns(dir);
  for (const { trigger, priority, id, version, segment } of campaigns) {
    console.log(
      `ok  ${trigger.padEnd(16)} priority ${String(priority).padStart(4)}  ${id} v${version} (segment ${segment})`,
    );
  }
} catch (error) {
  if (!(error instanceof CampaignFileError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
