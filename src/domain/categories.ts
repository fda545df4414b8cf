/**
 * Pluggy's categories in the person's language. Pluggy's `category` text is English only; the
 * names live in categories.pt.json (id → { pt, en }), and the tree comes from the ids themselves:
 * group (2 digits) + subgroup (2) + third level (4), so `08090000` sits under `08000000`
 * (docs/pluggy.md#categories). Ids are opaque strings: a 9-digit id or one missing from the file
 * still gets a group (its first two digits) and a readable fallback name, never an error.
 */
import { readFileSync } from 'node:fs';

export type Lang = 'pt' | 'en';

type Names = { pt: string; en: string };

// Read at load time beside this module (the build copies non-TypeScript files into dist/).
const NAMES: ReadonlyMap<string, Names> = new Map(
  Object.entries(
    JSON.parse(readFileSync(new URL('./categories.pt.json', import.meta.url), 'utf8')) as Record<
      string,
      Names
    >,
  ),
);

/** The bucket for rows without a category (categorization off, or Pluggy could not tell). */
export const UNCATEGORIZED_ID = '99999999';

/** Same-person transfers: the group Pluggy files moves between one's own accounts under. */
export const OWN_TRANSFER_GROUP = '04';
/** Credit card payment: the bill paid from checking, and the same payment seen on the card. */
export const CARD_PAYMENT_ID = '05100000';

/** The top-level category an id belongs to, named by its own full id (`08090000` → `08000000`). */
export function topLevelOf(categoryId: string | null): string {
  if (!categoryId || categoryId === UNCATEGORIZED_ID || !/^\d{8,9}$/.test(categoryId))
    return UNCATEGORIZED_ID;
  return `${categoryId.slice(0, 2)}000000`;
}

/** The parent of an id one level up, or null for a top-level id. */
export function parentOf(categoryId: string): string | null {
  if (categoryId === UNCATEGORIZED_ID || !/^\d{8}$/.test(categoryId)) return null;
  if (categoryId.endsWith('000000')) return null;
  if (categoryId.endsWith('0000')) return `${categoryId.slice(0, 2)}000000`;
  return `${categoryId.slice(0, 4)}0000`;
}

export function hasCategoryName(categoryId: string): boolean {
  return NAMES.has(categoryId);
}

/** A category's name; an unknown id falls back to its nearest named ancestor, then to "Outros"/"Other". */
export function categoryName(categoryId: string | null, lang: Lang): string {
  let id: string | null = categoryId ?? UNCATEGORIZED_ID;
  while (id) {
    const names = NAMES.get(id);
    if (names) return names[lang];
    id =
      parentOf(id) ??
      (id.length >= 2 && NAMES.has(`${id.slice(0, 2)}000000`) ? `${id.slice(0, 2)}000000` : null);
    if (id === categoryId) break;
  }
  return (NAMES.get(UNCATEGORIZED_ID) ?? { pt: 'Outros', en: 'Other' })[lang];
}

/** Whether a category marks a move between the person's own accounts (reported apart, never spending or income). */
export function isOwnTransferCategory(categoryId: string | null): boolean {
  return !!categoryId && (categoryId.startsWith(OWN_TRANSFER_GROUP) || categoryId === CARD_PAYMENT_ID);
}

/** Every id the file names (for tests and the category list). */
export function knownCategoryIds(): string[] {
  return [...NAMES.keys()];
}
