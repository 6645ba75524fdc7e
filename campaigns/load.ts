import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { Campaign, newestVersions } from '../domain/campaign';
import { NOT_UTF8, decodeUtf8 } from '../domain/utf8-text';

/** The campaigns shipped with cartflow: this folder. */
export const DEFAULT_CAMPAIGNS_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface CampaignProblem {
  file: string;
  /** 1-based line in the file, when the problem can be placed. */
  line?: number | undefined;
  /** Where in the file, e.g. `steps[1].delay`; empty for the whole file. */
  path: string;
  message: string;
}

/** Every problem of every bad campaign file; the message lists them as `file:line: path: problem`. */
export class CampaignFileError extends Error {
  override name = 'CampaignFileError';
  constructor(readonly problems: CampaignProblem[]) {
    super(`Invalid campaign files; fix these and start again:\n${problems.map(formatProblem).join('\n')}`);
  }
}

function formatProblem({ file, line, path: where, message }: CampaignProblem): string {
  return `  ${file}${line === undefined ? '' : `:${line}`}: ${where === '' ? '' : `${where}: `}${message}`;
}

/** A further check of a campaign that parsed: each problem at its path inside the file. */
export type CampaignCheck = (campaign: Campaign) => Promise<Array<{ path: Array<string | number>; message: string }>>;

export interface LoadCampaignsOptions {
  /** Run on the newest version of each campaign once every file parses (e.g. its templates exist). */
  checkNewest?: CampaignCheck;
}

/**
 * Reads and validates every *.yaml file in `dir`. Throws a CampaignFileError naming each bad file,
 * the path inside it and the problem. The result is in the order campaigns are tried:
 * lowest priority number first, then by id, newest version first.
 */
export async function loadCampaigns(
  dir: string = DEFAULT_CAMPAIGNS_DIR,
  options: LoadCampaignsOptions = {},
): Promise<Campaign[]> {
  const names = (await folderEntries(dir)).filter((name) => /\.ya?ml$/.test(name)).sort();
  const campaigns: CampaignEntry[] = [];
  const problems: CampaignProblem[] = [];
  for (const name of names) {
    const file = displayPath(path.join(dir, name));
    const decoded = decodeUtf8(await readFile(path.join(dir, name)));
    if (!decoded.ok) {
      problems.push({ file, line: decoded.line, path: '', message: NOT_UTF8 });
      continue;
    }
    const text = decoded.text;
    const result = parseCampaignFile({ file, text });
    if (result.ok) campaigns.push({ file, text, campaign: result.campaign });
    else problems.push(...result.problems);
  }
  problems.push(...crossFileProblems(campaigns));
  if (problems.length === 0 && options.checkNewest)
    problems.push(...(await newestProblems(campaigns, options.checkNewest)));
  if (problems.length > 0) throw new CampaignFileError(problems);
  return campaigns
    .map(({ campaign }) => campaign)
    .sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id) || b.version - a.version);
}

/** A CAMPAIGNS_DIR that is not a folder is a problem to name, not a bare ENOENT from readdir. */
async function folderEntries(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    throw new CampaignFileError([
      {
        file: displayPath(dir),
        path: '',
        message: 'no such folder; set CAMPAIGNS_DIR to the folder of the campaign files',
      },
    ]);
  }
}

export interface CampaignFileInput {
  /** Shown in problems; usually the path relative to the working directory. */
  file: string;
  text: string;
}

export type CampaignFileResult = { ok: true; campaign: Campaign } | { ok: false; problems: CampaignProblem[] };

export function parseCampaignFile({ file, text }: CampaignFileInput): CampaignFileResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((error) => ({
      file,
      line: error.linePos?.[0].line,
      path: '',
      message: `not valid YAML: ${error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
    }));
    return { ok: false, problems };
  }
  const result = Campaign.safeParse(doc.toJS(), { error: plainMessage });
  if (result.success) return { ok: true, campaign: result.data };
  const problems = flattenIssues(result.error.issues, []).map(({ path: issuePath, message }) => ({
    file,
    line: lineOf(doc, lineCounter, issuePath),
    path: formatPath(issuePath),
    message,
  }));
  return { ok: false, problems };
}

/**
 * Zod's own wording ("Invalid input: expected boolean, received string") is for programmers; a
 * marketer who wrote `b2b: yes` or `locale: ru` reads what to write instead. Messages a schema sets
 * itself win over these.
 */
function plainMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'too_small' && issue.origin === 'number') {
    return `must be ${issue.inclusive === false ? 'above' : 'at least'} ${String(issue.minimum)}`;
  }
  if (issue.code === 'too_small' && issue.origin === 'string') {
    return Number(issue.minimum) <= 1 ? 'must not be empty' : `must be at least ${String(issue.minimum)} characters`;
  }
  if (issue.code === 'too_big' && issue.origin === 'number') {
    return `must be ${issue.inclusive === false ? 'below' : 'at most'} ${String(issue.maximum)}`;
  }
  if (issue.code !== 'invalid_type') return undefined;
  const { input } = issue;
  if (input === undefined) return 'required';
  if (input === null) {
    return issue.path?.length
      ? 'has no value'
      : 'the file is empty: a campaign needs id, version, name, priority, trigger and steps';
  }
  const got = typeof input === 'string' ? ` (got "${input}")` : '';
  switch (issue.expected) {
    case 'boolean':
      return `must be true or false${got}`;
    case 'number':
      return `must be a number${got}`;
    case 'int':
      return `must be a whole number${typeof input === 'number' ? ` (got ${input})` : got}`;
    case 'string':
      return 'must be text';
    case 'array':
      return typeof input === 'string' ? `must be a list, such as [${input}]` : 'must be a list, such as [a, b]';
    case 'object':
      return 'must be a mapping of fields (key: value)';
    default:
      return undefined;
  }
}

interface FlatIssue {
  path: PropertyKey[];
  message: string;
}

/** Turns union failures into the one branch the author meant, and unknown keys into one issue each. */
function flattenIssues(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[]): FlatIssue[] {
  return issues.flatMap((issue): FlatIssue[] => {
    const at = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...at, key], message: 'unknown field (check the spelling)' }));
    }
    if (issue.code === 'invalid_union') {
      // The branch whose problems reach deepest is the shape the author was writing.
      const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(0, ...branch.map((inner) => inner.path.length));
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
      if (best !== undefined && depth(best) > 0) return flattenIssues(best, at);
    }
    return [{ path: at, message: issue.message }];
  });
}

function lineOf(doc: Document, lineCounter: LineCounter, issuePath: PropertyKey[]): number | undefined {
  // A missing field has no node: point at the closest enclosing one that exists.
  for (let length = issuePath.length; length >= 0; length -= 1) {
    const node = doc.getIn(issuePath.slice(0, length) as Array<string | number>, true) as
      { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0];
    if (offset !== undefined) return lineCounter.linePos(offset).line;
  }
  return undefined;
}

function formatPath(issuePath: PropertyKey[]): string {
  return issuePath
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

interface CampaignEntry {
  file: string;
  text: string;
  campaign: Campaign;
}

function crossFileProblems(campaigns: readonly CampaignEntry[]): CampaignProblem[] {
  const problems: CampaignProblem[] = [];
  const byVersion = new Map<string, string>();
  const byPriority = new Map<string, { file: string; id: string }>();
  const entryOf = new Map(campaigns.map((entry) => [entry.campaign, entry]));
  for (const { file, text, campaign } of campaigns) {
    const versionKey = `${campaign.id}@${campaign.version}`;
    const other = byVersion.get(versionKey);
    if (other !== undefined) {
      const message = `campaign ${campaign.id} version ${campaign.version} is also defined in ${other}; raise the version`;
      problems.push({ file, line: topLevelLine(text, 'version'), path: 'version', message });
    }
    byVersion.set(versionKey, file);
  }
  for (const campaign of newestVersions(campaigns.map((entry) => entry.campaign))) {
    const { file, text } = entryOf.get(campaign) as CampaignEntry;
    const priorityKey = `${campaign.trigger}#${campaign.priority}`;
    const other = byPriority.get(priorityKey);
    if (other !== undefined) {
      const message = `${campaign.trigger} campaigns ${other.id} (${other.file}) and ${campaign.id} have the same priority ${campaign.priority}; give each its own so the order is clear`;
      problems.push({ file, line: topLevelLine(text, 'priority'), path: 'priority', message });
    }
    byPriority.set(priorityKey, { file, id: campaign.id });
  }
  return problems;
}

/** The check's problems of each campaign's newest version, placed in its file like a schema problem. */
async function newestProblems(campaigns: readonly CampaignEntry[], check: CampaignCheck): Promise<CampaignProblem[]> {
  const newest = new Set(newestVersions(campaigns.map((entry) => entry.campaign)));
  const problems: CampaignProblem[] = [];
  for (const { file, text, campaign } of campaigns) {
    if (!newest.has(campaign)) continue;
    const found = await check(campaign);
    if (found.length === 0) continue;
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    for (const { path: issuePath, message } of found) {
      problems.push({ file, line: lineOf(doc, lineCounter, issuePath), path: formatPath(issuePath), message });
    }
  }
  return problems;
}

function topLevelLine(text: string, key: string): number | undefined {
  const index = text.split('\n').findIndex((line) => line.startsWith(`${key}:`));
  return index === -1 ? undefined : index + 1;
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
