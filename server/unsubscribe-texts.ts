import { EMAIL_CATEGORIES, type EmailCategory } from '../domain/email-categories';

/** The languages the unsubscribe and link pages speak; anything else falls back to English. */
export const PAGE_LOCALES = ['en', 'ru'] as const;
export type PageLocale = (typeof PAGE_LOCALES)[number];

export function pageLocaleOf(locale: string | null | undefined): PageLocale {
  return locale?.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

export function categoryLabel(category: EmailCategory, locale: PageLocale): string {
  return EMAIL_CATEGORIES[category].label[locale];
}

const en = {
  title: 'Email preferences',
  intro: (email: string) => `Choose which emails ${email} gets from us.`,
  introBlocked: (email: string) => `Emails from us to ${email}:`,
  unsubscribeAll: 'Unsubscribe from all marketing email',
  allHint: 'No more reminders, offers or news from us.',
  onlyThese: 'Only stop these kinds of email:',
  alreadyOff: '(already off)',
  thisEmail: '(like the email you came from)',
  saveCategories: 'Stop the selected kinds',
  unsubscribedNow: 'You are unsubscribed from all marketing email.',
  resubscribe: 'Subscribe again',
  resubscribeHint: 'Lifts your unsubscribe and every kind you turned off.',
  /** Each says only what happened: a block by the shop is not a bounce or a spam complaint. */
  blocked: {
    bounced:
      'Emails to this address are blocked because earlier emails to it could not be delivered. ' +
      'Subscribing again here cannot lift that; please contact the shop.',
    complained:
      'Emails to this address are blocked because an earlier email was reported as spam. ' +
      'Subscribing again here cannot lift that; please contact the shop.',
    blocked_by_shop:
      'The shop has stopped emails to this address. ' +
      'Subscribing again here cannot lift that; to get them again, please contact the shop.',
  },
  resubscribedButBlocked: 'Your unsubscribe and the kinds you turned off are lifted, but no emails will come yet:',
  doneAll: 'Done: you will get no more marketing email from us. This takes effect at once.',
  doneCategories: 'Done: you will no longer get these emails:',
  doneResubscribe: 'Welcome back: you will get our emails again.',
  transactional: 'Emails about orders you place are not affected.',
  changeAgain: 'Change your choices',
  notFoundTitle: 'Link not recognised',
  notFound:
    'This unsubscribe link is not valid: it may have been copied incompletely. ' +
    'Use the unsubscribe link in one of our emails, or the Unsubscribe button your mail program shows.',
  erasedTitle: 'Your data was erased',
  erased:
    'We no longer hold the address this email was sent to: it was erased at your or the shop’s request, ' +
    'and no email goes to it from us. There is nothing to unsubscribe from.',
  expiredTitle: 'Link expired',
  expired:
    'This unsubscribe link has expired. To unsubscribe, use the link at the bottom of a more recent email ' +
    'from us, or the Unsubscribe button your mail program shows next to our name, or write to the shop.',
  badInputTitle: 'The form could not be read',
  badInput: 'Please go back and try again. The problem:',
  problems: {
    action: 'choose one of: unsubscribe from all, stop selected kinds, subscribe again',
    noCategory: 'tick at least one kind of email',
    unknownCategory: (value: string) => `"${value}" is not a kind of email we send`,
  },
  oneClickDone: 'You have been unsubscribed from all marketing email.',
};

type Texts = typeof en;

const ru: Texts = {
  title: 'Настройки рассылки',
  intro: (email: string) => `Выберите, какие письма получает ${email}.`,
  introBlocked: (email: string) => `Наши письма на адрес ${email}:`,
  unsubscribeAll: 'Отписаться от всех рекламных писем',
  allHint: 'Больше никаких напоминаний, предложений и новостей от нас.',
  onlyThese: 'Отключить только эти письма:',
  alreadyOff: '(уже отключены)',
  thisEmail: '(как письмо, из которого вы пришли)',
  saveCategories: 'Отключить выбранные',
  unsubscribedNow: 'Вы отписаны от всех рекламных писем.',
  resubscribe: 'Подписаться снова',
  resubscribeHint: 'Снимает отписку и все отключённые виды писем.',
  blocked: {
    bounced:
      'Письма на этот адрес заблокированы: прежние письма на него не удалось доставить. ' +
      'Повторная подписка здесь этого не отменяет; свяжитесь с магазином.',
    complained:
      'Письма на этот адрес заблокированы: одно из прежних писем было отмечено как спам. ' +
      'Повторная подписка здесь этого не отменяет; свяжитесь с магазином.',
    blocked_by_shop:
      'Магазин прекратил отправку писем на этот адрес. ' +
      'Повторная подписка здесь этого не отменяет; чтобы снова получать письма, свяжитесь с магазином.',
  },
  resubscribedButBlocked: 'Ваша отписка и отключённые виды писем сняты, но письма пока приходить не будут:',
  doneAll: 'Готово: вы больше не получите от нас рекламных писем. Это действует сразу.',
  doneCategories: 'Готово: вы больше не будете получать эти письма:',
  doneResubscribe: 'С возвращением: вы снова будете получать наши письма.',
  transactional: 'Письма о ваших заказах это не затрагивает.',
  changeAgain: 'Изменить выбор',
  notFoundTitle: 'Ссылка не распознана',
  notFound:
    'Эта ссылка для отписки недействительна: возможно, она скопирована не полностью. ' +
    'Воспользуйтесь ссылкой для отписки в одном из наших писем или кнопкой «Отписаться» в вашей почтовой программе.',
  erasedTitle: 'Ваши данные удалены',
  erased:
    'Адреса, на который пришло это письмо, у нас больше нет: он удалён по вашей просьбе или по просьбе магазина, ' +
    'и писем на него мы не отправляем. Отписываться не от чего.',
  expiredTitle: 'Срок действия ссылки истёк',
  expired:
    'Срок действия этой ссылки для отписки истёк. Чтобы отписаться, воспользуйтесь ссылкой внизу более ' +
    'нового письма от нас, кнопкой «Отписаться» в вашей почтовой программе или напишите в магазин.',
  badInputTitle: 'Не удалось прочитать форму',
  badInput: 'Вернитесь назад и попробуйте ещё раз. Проблема:',
  problems: {
    action: 'выберите: отписаться от всего, отключить выбранные или подписаться снова',
    noCategory: 'отметьте хотя бы один вид писем',
    unknownCategory: (value: string) => `«${value}» — не тот вид писем, который мы отправляем`,
  },
  oneClickDone: 'Вы отписаны от всех рекламных писем.',
};

export const TEXTS: Record<PageLocale, Texts> = { en, ru };
