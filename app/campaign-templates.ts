import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../config/env';
import type { Campaign } from '../domain/campaign';
import { subjectLinesOf } from '../mail/subject-lines';
import { loadTemplateSources, pickFile } from '../mail/template-source';

/** A template a campaign step or one of its variants sends, and the subject line it fixes (from 1). */
interface TemplateUse {
  where: string;
  template: string;
  subjectLine?: number;
}

/**
 * Every template a campaign step names must exist, and every subject line a variant fixes must
 * exist in each language of its template; otherwise the start (and `cartflow campaigns check`)
 * stops, naming campaign, step and file. Caught at send time instead, every email of that arm
 * would fail.
 */
export async function assertCampaignTemplates(campaigns: readonly Campaign[], dir: string): Promise<void> {
  const present = new Set(await readdir(dir));
  const problems: string[] = [];
  for (const campaign of campaigns) {
    for (const use of templateUses(campaign)) {
      const at = `  campaign ${campaign.id}@${campaign.version}, ${use.where}`;
      if (!present.has(use.template)) problems.push(`${at}: no template "${use.template}" in ${dir}`);
      else if (use.subjectLine !== undefined) {
        problems.push(...(await missingSubjectLines(dir, use)).map((problem) => `${at}: ${problem}`));
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Campaign steps name templates or subject lines that do not exist:\n${problems.join('\n')}`);
  }
}

function templateUses(campaign: Campaign): TemplateUse[] {
  const uses = campaign.steps.flatMap((step) => [
    { where: `step ${step.id}`, template: step.template },
    ...(step.variants ?? []).map((variant) => ({
      where: `step ${step.id}, variant ${variant.id}`,
      template: variant.template ?? step.template,
      ...(variant.subjectLine === undefined ? {} : { subjectLine: variant.subjectLine }),
    })),
  ]);
  // A step without a template of its own (a manager alert's is fixed) names none.
  return uses.flatMap(({ template, ...use }) => (template === undefined ? [] : [{ ...use, template }]));
}

/** "subjectLine 3, but …/subject.ru.hbs has 2 lines", once per language whose subject file is too short. */
async function missingSubjectLines(dir: string, { template, subjectLine }: TemplateUse): Promise<string[]> {
  const sources = await loadTemplateSources(dir, template);
  const files = new Set(
    sources.locales.flatMap((locale) => pickFile(sources.files, { base: 'subject', ext: 'hbs', locale }) ?? []),
  );
  return [...files].flatMap((file) => {
    const count = subjectLinesOf(file).length;
    if (subjectLine === undefined || subjectLine <= count) return [];
    const where = path.join(path.basename(dir), template, path.basename(file.path));
    return [`subjectLine ${subjectLine}, but ${where} has ${count} line${count === 1 ? '' : 's'}`];
  });
}
