import { isolateRightToLeft } from '../domain/bidi-isolate';
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LocalizedText, textForLocale } from '../domain/localized-text';
import { NOT_UTF8, decodeUtf8 } from '../domain/utf8-text';
import { TemplateError, displayPath } from './template-errors';

/** `templates/shop.json`: what every email of the shop shares. */
export const ShopSettings = z.object({
  /** Language of the unsuffixed files (`body.mjml`), used when the customer's language has no variant. */
  defaultLocale: z.string().default('en'),
  /** One name, or one per language: `{ "default": "…", "ru": "…" }`. */
  name: LocalizedText.default(''),
  /**
   * Required by law in marketing email; the pre-flight check looks for it in every email. One
   * address, or the same address written per language: `{ "default": "…", "ru": "…" }`.
   */
  postalAddress: LocalizedText.default(''),
  /** The shop's unsubscribe page; `{email}` and `{cartId}` are filled in per recipient. */
  unsubscribeUrl: z.string().default(''),
});
export type ShopSettings = z.infer<typeof ShopSettings>;

/** What an email in one language shows of the shop: `{{shop.name}}`, `{{shop.postalAddress}}`. */
export interface ShopView {
  defaultLocale: string;
  name: string;
  postalAddress: string;
  unsubscribeUrl: string;
}

/** The shop's settings as an email in `locale` shows them. */
export function shopForLocale(shop: ShopSettings, locale: string): ShopView {
  return {
    defaultLocale: shop.defaultLocale,
    // Isolated when right to left, as customers' names are (domain/bidi-isolate.ts).
    name: isolateRightToLeft(textForLocale(shop.name, locale)),
    postalAddress: textForLocale(shop.postalAddress, locale),
    unsubscribeUrl: shop.unsubscribeUrl,
  };
}

export interface TemplateFile {
  /** Absolute path, for messages. */
  path: string;
  content: string;
}

/** Everything one template version is made of; `version` hashes all of it except the samples. */
export interface TemplateSources {
  id: string;
  folder: string;
  version: string;
  shop: ShopSettings;
  /** By name relative to the template folder: `body.mjml`, `subject.ru.hbs`, … */
  files: Map<string, TemplateFile>;
  /** Shared partials from `_partials/`, by file name: `footer.mjml`, `footer.ru.mjml`. */
  partials: Map<string, TemplateFile>;
  /** The default locale first, then every locale with a `body.<locale>.mjml`. */
  locales: string[];
  /** Sample data files (`samples/*.json`), by name relative to the template folder. */
  samples: string[];
}

export const PARTIALS_FOLDER = '_partials';
const TEMPLATE_ID = /^[a-z0-9][a-z0-9-]*$/;

export async function listTemplateIds(root: string): Promise<string[]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isDirectory() && TEMPLATE_ID.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

/** Reads a template folder, the shared partials and shop.json. Cheap enough to do on every send. */
export async function loadTemplateSources(root: string, id: string): Promise<TemplateSources> {
  if (!TEMPLATE_ID.test(id)) throw new TemplateError(`invalid template id "${id}" (lowercase letters, digits, -)`);
  const folder = path.join(root, id);
  const names = await readdir(folder).catch(async () => {
    const known = (await listTemplateIds(root)).join(', ') || 'none';
    throw new TemplateError(`${displayPath(folder)}: no such template (templates: ${known})`);
  });
  const sampleNames = await readdir(path.join(folder, 'samples')).catch(() => [] as string[]);
  const partialNames = await readdir(path.join(root, PARTIALS_FOLDER)).catch(() => [] as string[]);
  const templateFiles = names.filter((name) => /\.(mjml|hbs)$/.test(name));
  const [files, partials, shopFile] = await Promise.all([
    readAll(folder, templateFiles),
    readAll(
      path.join(root, PARTIALS_FOLDER),
      partialNames.filter((name) => name.endsWith('.mjml')),
    ),
    readOptional(path.join(root, 'shop.json')),
  ]);
  const shop = parseShop(shopFile);
  if (!files.has('body.mjml'))
    throw new TemplateError(`${displayPath(folder)}/body.mjml: missing (every template needs one)`);
  const hash = createHash('sha256');
  for (const [name, file] of [...files, ...[...partials].map(([n, f]) => [`_/${n}`, f] as const)].sort()) {
    hash.update(`${name}\0${file.content}\0`);
  }
  hash.update(shopFile?.content ?? '');
  const variantLocales = templateFiles.flatMap((name) => /^body\.([A-Za-z0-9-]+)\.mjml$/.exec(name)?.[1] ?? []);
  return {
    id,
    folder,
    version: hash.digest('hex').slice(0, 16),
    shop,
    files,
    partials,
    locales: [shop.defaultLocale, ...variantLocales.filter((locale) => locale !== shop.defaultLocale).sort()],
    samples: sampleNames
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => `samples/${name}`),
  };
}

/** `ru-RU` → `ru-RU`, else `ru`, else the shop's default locale. */
export function resolveLocale(sources: TemplateSources, requested: string | undefined): string {
  const lower = (requested ?? '').toLowerCase();
  const candidates = [lower, lower.split('-')[0]];
  return sources.locales.find((locale) => candidates.includes(locale.toLowerCase())) ?? sources.locales[0]!;
}

/** `body` + `.mjml` in `ru` → `body.ru.mjml` when it exists, else `body.mjml`. */
export function pickFile(
  files: Map<string, TemplateFile>,
  { base, ext, locale }: { base: string; ext: string; locale: string },
): TemplateFile | undefined {
  return files.get(`${base}.${locale}.${ext}`) ?? files.get(`${base}.${ext}`);
}

async function readAll(folder: string, names: string[]): Promise<Map<string, TemplateFile>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      const file = path.join(folder, name);
      return [name, { path: file, content: await readUtf8(file) }] as const;
    }),
  );
  return new Map(entries);
}

/** Template text that is not UTF-8 is refused, naming file and line: it would reach customers garbled. */
async function readUtf8(file: string): Promise<string> {
  const decoded = decodeUtf8(await readFile(file));
  if (!decoded.ok) throw new TemplateError(`${displayPath(file)}:${decoded.line}: ${NOT_UTF8}`);
  return decoded.text;
}

async function readOptional(file: string): Promise<TemplateFile | undefined> {
  try {
    return { path: file, content: await readFile(file, 'utf8') };
  } catch {
    return undefined;
  }
}

function parseShop(file: TemplateFile | undefined): ShopSettings {
  if (!file) return ShopSettings.parse({});
  let json: unknown;
  try {
    json = JSON.parse(file.content);
  } catch (error) {
    throw new TemplateError(`${displayPath(file.path)}: not valid JSON (${(error as Error).message})`);
  }
  const result = ShopSettings.safeParse(json);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new TemplateError(`${displayPath(file.path)}: ${issues.join('; ')}`);
}
