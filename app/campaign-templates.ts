import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Campaign } from '../domain/campaign';
import { subjectLinesOf } from '../mail/subject-lines';
import { loadTemplateSources, pickFile } from '../mail/template-source';

/** A problem with a template a campaign names, at its place in the campaign file (`steps[0].template`). */
export interface CampaignTemplateProblem {
  path: Array<string | number>;
  message: string;
}

/** A template a campaign step or one of its variants sends, and the subject line it fixes (from 1). */
interface TemplateUse {
  /** Where the campaign file names the template, or the subject line when that is what may be missing. */
  path: Array<string | number>;
  template: string;
  /** False for a variant that sends its step's template: a missing one is reported once, at the step. */
  ownTemplate: boolean;
  subjectLine?: number;
}

/**
 * Every template a campaign step names must exist, and every subject line a variant fixes must
 * exist in each language of its template; otherwise the start (and `cartflow campaigns check`)
 * stops, naming file, line and field (campaigns/load.ts places each problem by its path). Caught at
 * send time instead, every email of that arm would fail.
 */
export function campaignTemplateChecker(dir: string): (campaign: Campaign) => Promise<CampaignTemplateProblem[]> {
  return async (campaign) => {
    const present = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('_'))
      .map((entry) => entry.name)
      .sort();
    const problems: CampaignTemplateProblem[] = [];
    for (const use of templateUses(campaign)) {
      if (!present.includes(use.template)) {
        if (use.ownTemplate) problems.push({ path: use.path, message: noSuchTemplate(use.template, dir, present) });
      } else if (use.subjectLine !== undefined) {
        problems.push(...(await missingSubjectLines(dir, use)).map((message) => ({ path: use.path, message })));
      }
    }
    return problems;
  };
}

function noSuchTemplate(template: string, dir: string, present: readonly string[]): string {
  return `no template "${template}" in ${path.basename(dir)}/ (templates: ${present.join(', ')})`;
}

function templateUses(campaign: Campaign): TemplateUse[] {
  const uses = campaign.steps.flatMap((step, index) => [
    { path: ['steps', index, 'template'], template: step.template, ownTemplate: true },
    ...(step.variants ?? []).map((variant, variantIndex) => {
      const at = ['steps', index, 'variants', variantIndex];
      if (variant.template !== undefined) {
        return { path: [...at, 'template'], template: variant.template, ownTemplate: true, ...subjectLineOf(variant) };
      }
      const where = variant.subjectLine === undefined ? at : [...at, 'subjectLine'];
      return { path: where, template: step.template, ownTemplate: false, ...subjectLineOf(variant) };
    }),
  ]);
  // A step without a template of its own (a manager alert's is fixed) names none.
  return uses.flatMap(({ template, ...use }) => (template === undefined ? [] : [{ ...use, template }]));
}

function subjectLineOf(variant: { subjectLine?: number | undefined }): { subjectLine?: number } {
  return variant.subjectLine === undefined ? {} : { subjectLine: variant.subjectLine };
}

/** "no line 3: …/subject.ru.hbs has 2 lines", once per language whose subject file is too short. */
async function missingSubjectLines(dir: string, { template, subjectLine }: TemplateUse): Promise<string[]> {
  const sources = await loadTemplateSources(dir, template);
  const files = new Set(
    sources.locales.flatMap((locale) => pickFile(sources.files, { base: 'subject', ext: 'hbs', locale }) ?? []),
  );
  return [...files].flatMap((file) => {
    const count = subjectLinesOf(file).length;
    if (subjectLine === undefined || subjectLine <= count) return [];
    const where = path.join(path.basename(dir), template, path.basename(file.path));
    return [`no line ${subjectLine}: ${where} has ${count} line${count === 1 ? '' : 's'}`];
  });
}
