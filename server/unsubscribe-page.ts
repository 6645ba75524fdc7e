import { displayDomain } from '../domain/display-email';
import type { SuppressionReason } from '../db/schema';
import { EMAIL_CATEGORIES, type EmailCategory } from '../domain/email-categories';
import { type PageLocale, TEXTS, categoryLabel } from './unsubscribe-texts';

/** Every value that reaches a page goes through this; the pages have no raw interpolation. */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] as string,
  );
}

/**
 * "ada@example.com" → "a••@example.com": enough to recognise, little to a forwardee. The domain is
 * shown as the person knows it (`п••@магазин.рф`, not its A-labels).
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  // The first character, not the first UTF-16 unit (half an emoji would show as a broken glyph).
  const [first] = email.slice(0, at);
  return `${first}••@${displayDomain(email.slice(at + 1))}`;
}

/**
 * Why mail to an address is blocked, in the words the page may use: each says only what happened
 * (a manual block by the shop is not a bounce or a spam complaint), and none can be lifted here.
 */
export type Block = 'bounced' | 'complained' | 'blocked_by_shop';

/** Where the recipient stands: free to get email, unsubscribed from all, or blocked. */
export type Standing = 'subscribed' | 'unsubscribed' | Block;

/**
 * A suppression's reason as the recipient's standing. Only their own unsubscribe is theirs to undo:
 * a bounce needs a working address, a spam complaint and a block by the shop need the shop (a link
 * from a forwarded email must not undo them).
 */
export function standingOf(reason: SuppressionReason | undefined): Standing {
  switch (reason) {
    case undefined:
      return 'subscribed';
    case 'unsubscribed':
      return 'unsubscribed';
    case 'hard_bounce':
    case 'soft_bounce':
      return 'bounced';
    case 'complaint':
      return 'complained';
    case 'manual':
      return 'blocked_by_shop';
  }
}

const isBlock = (standing: Standing): standing is Block => standing !== 'subscribed' && standing !== 'unsubscribed';

/** What still blocks mail after a resubscribe, from the reason that remains; null when nothing does. */
export function blockOf(reason: SuppressionReason | undefined): Block | null {
  const standing = standingOf(reason);
  return isBlock(standing) ? standing : null;
}

export interface PreferencesView {
  locale: PageLocale;
  /** The page's own path: every form posts back to it. */
  action: string;
  email: string;
  standing: Standing;
  /** The category of the email the link came from, ticked by default. */
  category: EmailCategory | undefined;
  optedOut: EmailCategory[];
}

/** The GET page: asks, never acts (link scanners fetch GETs). */
export function preferencesPage(view: PreferencesView): string {
  const t = TEXTS[view.locale];
  // Under a block there is nothing to choose, so the page does not ask the recipient to.
  const intro = isBlock(view.standing) ? t.introBlocked : t.intro;
  const sections = [`<p>${escapeHtml(intro(maskEmail(view.email)))}</p>`];
  if (isBlock(view.standing)) sections.push(`<p class="note">${escapeHtml(t.blocked[view.standing])}</p>`);
  if (view.standing === 'unsubscribed') sections.push(`<p><strong>${escapeHtml(t.unsubscribedNow)}</strong></p>`);
  if (view.standing === 'subscribed') {
    sections.push(form(view.action, 'all', `<p>${escapeHtml(t.allHint)}</p>`, t.unsubscribeAll));
    sections.push(form(view.action, 'category', categoryChoices(view), t.saveCategories));
  }
  // Offered only where it lifts everything that stops the mail; under a block it would promise mail that never comes.
  if (view.standing === 'unsubscribed' || (view.standing === 'subscribed' && view.optedOut.length > 0)) {
    sections.push(form(view.action, 'resubscribe', `<p>${escapeHtml(t.resubscribeHint)}</p>`, t.resubscribe));
  }
  return layout(view.locale, t.title, sections.join('\n'));
}

function categoryChoices(view: PreferencesView): string {
  const t = TEXTS[view.locale];
  const items = (Object.keys(EMAIL_CATEGORIES) as EmailCategory[]).map((category) => {
    const off = view.optedOut.includes(category);
    const note = off ? t.alreadyOff : category === view.category ? t.thisEmail : '';
    const attributes = off ? ' checked disabled' : category === view.category ? ' checked' : '';
    return (
      `<li><label><input type="checkbox" name="category" value="${escapeHtml(category)}"${attributes}> ` +
      `${escapeHtml(categoryLabel(category, view.locale))} ${escapeHtml(note)}</label></li>`
    );
  });
  return `<p>${escapeHtml(t.onlyThese)}</p>\n<ul>${items.join('\n')}</ul>`;
}

function form(action: string, kind: 'all' | 'category' | 'resubscribe', body: string, button: string): string {
  return (
    `<form method="post" action="${escapeHtml(action)}">\n<input type="hidden" name="action" value="${kind}">\n` +
    `${body}\n<button type="submit">${escapeHtml(button)}</button>\n</form>`
  );
}

export type Outcome =
  | { action: 'all' }
  | { action: 'category'; categories: EmailCategory[] }
  /** stillBlocked: what keeps the mail stopped after the recipient's own choices were undone. */
  | { action: 'resubscribe'; stillBlocked: Block | null };

/** The answer to a form POST: what changed, and a way back to the choices. */
export function resultPage({ locale, action, outcome }: { locale: PageLocale; action: string; outcome: Outcome }) {
  const t = TEXTS[locale];
  const lines: string[] = [];
  if (outcome.action === 'all') lines.push(`<p><strong>${escapeHtml(t.doneAll)}</strong></p>`);
  if (outcome.action === 'category') {
    const items = outcome.categories.map((category) => `<li>${escapeHtml(categoryLabel(category, locale))}</li>`);
    lines.push(`<p><strong>${escapeHtml(t.doneCategories)}</strong></p>\n<ul>${items.join('')}</ul>`);
  }
  if (outcome.action === 'resubscribe' && outcome.stillBlocked === null) {
    lines.push(`<p><strong>${escapeHtml(t.doneResubscribe)}</strong></p>`);
  }
  if (outcome.action === 'resubscribe' && outcome.stillBlocked !== null) {
    lines.push(`<p><strong>${escapeHtml(t.resubscribedButBlocked)}</strong></p>`);
    lines.push(`<p class="note">${escapeHtml(t.blocked[outcome.stillBlocked])}</p>`);
  }
  if (outcome.action !== 'resubscribe') lines.push(`<p>${escapeHtml(t.transactional)}</p>`);
  lines.push(`<p><a href="${escapeHtml(action)}">${escapeHtml(t.changeAgain)}</a></p>`);
  return layout(locale, t.title, lines.join('\n'));
}

export type Problem =
  | { kind: 'not_found' }
  | { kind: 'expired' }
  /** An authentic link whose recipient was erased (docs/privacy.md): nothing about them is held. */
  | { kind: 'erased' }
  | { kind: 'bad_input'; detail: string };

export function problemPage(locale: PageLocale, problem: Problem): string {
  const t = TEXTS[locale];
  if (problem.kind === 'not_found') return messagePage(locale, t.notFoundTitle, t.notFound);
  if (problem.kind === 'expired') return messagePage(locale, t.expiredTitle, t.expired);
  if (problem.kind === 'erased') return messagePage(locale, t.erasedTitle, t.erased);
  const body = `<p>${escapeHtml(t.badInput)}</p>\n<p class="note">${escapeHtml(problem.detail)}</p>`;
  return layout(locale, t.badInputTitle, body);
}

/** A page of one paragraph in the unsubscribe pages' look (the tracked-link pages use it too). */
export function messagePage(locale: PageLocale, title: string, text: string): string {
  return layout(locale, title, `<p>${escapeHtml(text)}</p>`);
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#222}' +
  'form{border-top:1px solid #ddd;padding:1rem 0}ul{list-style:none;padding:0}button{font-size:1rem;padding:.4rem 1rem}' +
  '.note{background:#fff4e5;padding:.5rem .75rem}';

function layout(locale: PageLocale, title: string, body: string): string {
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
}
