/**
 * The simulated shop's people and products. Real-world names on purpose: apostrophes, ampersands,
 * quotes, Cyrillic, right-to-left text and long words are what break templates, so the demo's
 * emails show how they come out.
 */

/** A name as the shop has it, and the ASCII handle its email address is made from. */
export interface PersonName {
  name: string;
  handle: string;
}

export const EN_NAMES: readonly PersonName[] = [
  { name: "Siobhán O'Brien", handle: 'siobhan.obrien' },
  { name: "D'Arcy Fitzgerald", handle: 'darcy.fitz' },
  { name: 'Grace Hopper', handle: 'grace.h' },
  { name: 'Ada Lovelace', handle: 'ada' },
  { name: 'Mary-Jane Watson', handle: 'mj.watson' },
  { name: 'Zoë Saldaña', handle: 'zoe.s' },
  { name: 'Jamal "JJ" Johnson', handle: 'jj.johnson' },
  { name: 'Nguyễn Văn An', handle: 'an.nguyen' },
  { name: 'נועה כהן', handle: 'noa.cohen' },
  { name: 'Priya Raghunathan', handle: 'priya.r' },
  { name: 'Oliver Smith', handle: 'oliver.smith' },
  { name: 'Emily Brontë', handle: 'emily.b' },
  { name: 'Hubert Blaine Wolfeschlegelsteinhausenbergerdorff', handle: 'hubert.w' },
  { name: 'Chloé Dubois', handle: 'chloe.d' },
  { name: 'Liam', handle: 'liam' },
];

export const RU_NAMES: readonly PersonName[] = [
  { name: 'Дарья Ёлкина', handle: 'daria.yolkina' },
  { name: 'Алексей Смирнов', handle: 'alexey.smirnov' },
  { name: 'Ольга «Оля» Петрова', handle: 'olga.petrova' },
  { name: 'Сергей Кузнецов-Волжский', handle: 'sergey.k' },
  { name: 'Наталья Иванова', handle: 'natalia.i' },
  { name: 'Юрий Д’Артаньянов', handle: 'yuri.d' },
  { name: 'Екатерина Соколова', handle: 'katya.s' },
  { name: 'Михаил Попов', handle: 'misha.popov' },
  { name: 'Айгуль Хабибуллина', handle: 'aigul.h' },
  { name: 'Татьяна', handle: 'tanya' },
];

export const EN_COMPANIES: readonly string[] = [
  'Smith & Sons Ltd',
  "O'Reilly's Hardware & Co.",
  'Barnes & Noble-ish Books',
  'ACME <Industrial> Supplies',
];

export const RU_COMPANIES: readonly string[] = ['ООО «Ромашка»', 'Иванов и партнёры', 'АО «Север & Юг»'];

/** Customers' mailbox domains, one of them an internationalised (IDN) domain. */
export const MAIL_DOMAINS: Record<'en' | 'ru', readonly string[]> = {
  en: ['example.com', 'example.org', 'mail.example.net'],
  ru: ['example.ru', 'пример.рф', 'example.com'],
};

export interface Product {
  sku: string;
  name: { en: string; ru: string };
  /** Euro, as the shop's price list has it. */
  price: number;
  categories: string[];
}

export const CONSUMER_PRODUCTS: readonly Product[] = [
  {
    sku: 'TEE-BLK-M',
    name: { en: 'Organic cotton T-shirt', ru: 'Футболка из органического хлопка' },
    price: 19.9,
    categories: ['apparel'],
  },
  {
    sku: 'MUG-01',
    name: { en: 'Tom\'s "Everyday" enamel mug', ru: 'Эмалированная кружка «На каждый день»' },
    price: 12.5,
    categories: ['home'],
  },
  {
    sku: 'SALT-PEP',
    name: { en: 'Salt & pepper grinder set', ru: 'Набор мельниц для соли и перца' },
    price: 34,
    categories: ['home'],
  },
  {
    sku: 'KETTLE-2L',
    name: { en: 'Stovetop kettle, 2 l', ru: 'Чайник «Самовар», 2 л' },
    price: 49,
    categories: ['home'],
  },
  {
    sku: 'SOCKS-3',
    name: { en: 'Merino socks (3 pairs)', ru: 'Носки из мериноса (3 пары)' },
    price: 24,
    categories: ['apparel'],
  },
  {
    sku: 'BOOK-CK',
    name: { en: "The Cook's Companion", ru: 'Книга «Спутник повара»' },
    price: 29.95,
    categories: ['books'],
  },
  {
    sku: 'LAMP-DESK',
    name: { en: 'Desk lamp with dimmer', ru: 'Настольная лампа с диммером' },
    price: 79,
    categories: ['home'],
  },
  {
    sku: 'COAT-WOOL',
    name: { en: 'Double-breasted wool coat, EU 48', ru: 'Двубортное шерстяное пальто, EU 48' },
    price: 329,
    categories: ['apparel'],
  },
  {
    sku: 'HEADPHONES',
    name: { en: 'Noise-cancelling headphones', ru: 'Наушники с шумоподавлением' },
    price: 249,
    categories: ['electronics'],
  },
];

export const BUSINESS_PRODUCTS: readonly Product[] = [
  {
    sku: 'PAPER-A4-5',
    name: { en: 'Printer paper A4, box of 5 × 500', ru: 'Бумага A4, коробка 5 × 500 листов' },
    price: 27.5,
    categories: ['consumables'],
  },
  {
    sku: 'TONER-XL',
    name: { en: 'Toner cartridge XL', ru: 'Картридж с тонером XL' },
    price: 89,
    categories: ['consumables'],
  },
  {
    sku: 'CHAIR-ERG',
    name: { en: 'Ergonomic office chair', ru: 'Эргономичное офисное кресло' },
    price: 389,
    categories: ['furniture'],
  },
  {
    sku: 'COFFEE-1KG',
    name: { en: 'Coffee beans 1 kg (Fair & Square)', ru: 'Кофе в зёрнах 1 кг' },
    price: 21,
    categories: ['consumables'],
  },
];

/** Where customers live, with their time zone and country. */
export interface Place {
  country: string;
  timeZone: string;
}

export const PLACES: Record<'en' | 'ru', readonly Place[]> = {
  en: [
    { country: 'GB', timeZone: 'Europe/London' },
    { country: 'IE', timeZone: 'Europe/Dublin' },
    { country: 'US', timeZone: 'America/New_York' },
    { country: 'US', timeZone: 'America/Los_Angeles' },
    { country: 'DE', timeZone: 'Europe/Berlin' },
    { country: 'AU', timeZone: 'Australia/Sydney' },
  ],
  ru: [
    { country: 'RU', timeZone: 'Europe/Moscow' },
    { country: 'RU', timeZone: 'Asia/Yekaterinburg' },
    { country: 'RU', timeZone: 'Asia/Vladivostok' },
    { country: 'KZ', timeZone: 'Asia/Almaty' },
  ],
};
