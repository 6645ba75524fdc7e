// Kept apart from campaign.ts (zod schemas) so segment selection, which workflows bundle, does not
// import the schemas: campaign.ts imports segments.ts, and a cycle breaks the workflow bundle.

/** The newest version of each campaign id, in input order of first appearance. */
export function newestVersions<T extends { id: string; version: number }>(campaigns: readonly T[]): T[] {
  const newest = new Map<string, T>();
  for (const campaign of campaigns) {
    const held = newest.get(campaign.id);
    if (held === undefined || campaign.version > held.version) newest.set(campaign.id, campaign);
  }
  return [...newest.values()];
}
