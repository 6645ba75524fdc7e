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
    for (const arm of armsWithoutCode(campaign)) {
      if (present.includes(arm.template) && (await offersCode(dir, arm.template))) {
        problems.push({ path: arm.path, message: noCodeToShow(arm.template) });
      }
    }
    return problems;
  };
}

/**
 * The arms of email steps that never have a code: no incentive of their own, and none in any
 * earlier step (a later step shows the code an earlier one made while it is unused). An arm that
 * says `incentive: null` goes without one on purpose and is not listed.
 */
function armsWithoutCode(campaign: Campaign): Array<{ path: Array<string | number>; template: string }> {
  const arms: Array<{ path: Array<string | number>; template: string }> = [];
  let codeBefore = false;
  campaign.steps.forEach((step, index) => {
    if (step.kind !== 'email') return;
    const at = ['steps', index];
    if (!codeBefore && step.incentive === undefined) {
      if (!step.variants) arms.push({ path: [...at, 'template'], template: step.template });
      step.variants?.forEach((variant, variantIndex) => {
        if (variant.incentive !== undefined) return;
        const where = [...at, 'variants', variantIndex];
        arms.push(
          variant.template === undefined
            ? { path: where, template: step.template }
            : { path: [...where, 'template'], template: variant.template },
        );
      });
    }
    codeBefore ||= step.incentive !== undefined || (step.variants ?? []).some((variant) => variant.incentive);
  });
  return arms;
}

/** A `{{ }}` that names `discount` (`{{#discount}}`, `{{#if discount}}`, `{{discount.code}}`); not a comment. */
const DISCOUNT_STATEMENT = /\{\{~?(?!!)[^}]*\bdiscount\b/;

/**
 * Whether the template is an email about a code: a subject line of some language names the
 * discount (cart-incentive, cart-last-chance, welcome-first-order). A body that only shows a code
 * when there is one (cart-reminder's `{{> discount}}`) is fine without any.
 */
async function offersCode(dir: string, template: string): Promise<boolean> {
  const sources = await loadTemplateSources(dir, template);
  return sources.locales.some((locale) =>
    DISCOUNT_STATEMENT.test(pickFile(sources.files, { base: 'subject', ext: 'hbs', locale })?.content ?? ''),
  );
}

function noCodeToShow(template: string): string {
  return `template "${template}" offers a discount code in its subject, but neither this step nor an earlier one has an incentive, so every customer gets its version without a code: add incentive: { type: percent, value: 10, validFor: 3d } (or fixed, free_shipping), or choose another template`;
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
