import type { Trigger } from './campaign';

/**
 * What a recipient can opt out of on the preferences page ("just this kind of email"). Each
 * campaign trigger belongs to one category; unsubscribing from all marketing covers them all.
 */
export const EMAIL_CATEGORIES = {
  cart_reminders: { label: { en: 'Reminders about items left in your cart', ru: 'Напоминания о товарах в корзине' } },
  welcome: { label: { en: 'Welcome and getting-started emails', ru: 'Приветственные письма' } },
  post_purchase: {
    label: {
      en: 'Emails after a purchase (reviews, recommendations)',
      ru: 'Письма после покупки (отзывы, рекомендации)',
    },
  },
} as const;

export type EmailCategory = keyof typeof EMAIL_CATEGORIES;

const CATEGORY_OF_TRIGGER: Record<Trigger, EmailCategory> = {
  'cart.abandoned': 'cart_reminders',
  'customer.created': 'welcome',
  'order.placed': 'post_purchase',
  'reorder.due': 'post_purchase',
};

export function categoryOf(trigger: Trigger): EmailCategory {
  return CATEGORY_OF_TRIGGER[trigger];
}

export function triggersOf(category: EmailCategory): Trigger[] {
  return (Object.keys(CATEGORY_OF_TRIGGER) as Trigger[]).filter((trigger) => CATEGORY_OF_TRIGGER[trigger] === category);
}

export function isEmailCategory(value: string): value is EmailCategory {
  return Object.hasOwn(EMAIL_CATEGORIES, value);
}
