import { describe, expect, it } from 'vitest';
import { buildCategories } from '../sandbox/world/categories.ts';
import { categoryName, hasCategoryName, isOwnTransferCategory, parentOf, topLevelOf } from './categories.ts';

describe('categories', () => {
  it('names every category id the sandbox uses, in Portuguese and English', () => {
    const ids = [...buildCategories().keys()];
    expect(ids.length).toBeGreaterThan(50);
    for (const id of ids) {
      expect(hasCategoryName(id), id).toBe(true);
      expect(categoryName(id, 'pt')).not.toBe('');
      expect(categoryName(id, 'en')).toBe(buildCategories().get(id)?.description);
    }
  });

  it('groups by the top-level id and names it by its own full id', () => {
    expect(topLevelOf('08090000')).toBe('08000000');
    expect(categoryName('08000000', 'pt')).toBe('Compras');
    expect(topLevelOf('19050001')).toBe('19000000');
    expect(parentOf('19050001')).toBe('19050000');
    expect(topLevelOf(null)).toBe('99999999');
    expect(topLevelOf('200100000')).toBe('20000000');
  });

  it('an unknown id falls back to its nearest named ancestor', () => {
    expect(categoryName('08990000', 'pt')).toBe('Compras');
    expect(categoryName('200100000', 'en')).toBe('Insurance');
    expect(categoryName('xx', 'pt')).toBe('Outros');
    expect(categoryName(null, 'en')).toBe('Other');
  });

  it('own transfers: same-person group and the card payment only', () => {
    expect(isOwnTransferCategory('04020000')).toBe(true);
    expect(isOwnTransferCategory('05100000')).toBe(true);
    expect(isOwnTransferCategory('05070000')).toBe(false);
    expect(isOwnTransferCategory(null)).toBe(false);
  });
});
