import { describe, expect, it } from '@jest/globals';
import { highlight } from './highlight.js';

describe('highlight', () => {
  it('marks the words that start with a term, whatever their case and accents', () => {
    expect(highlight('Déjà vu: the Deploy is done', ['deja', 'dep'])).toEqual([
      { text: 'Déjà', match: true },
      { text: ' vu: the ', match: false },
      { text: 'Deploy', match: true },
      { text: ' is done', match: false },
    ]);
  });

  it('does not mark a term found inside a word', () => {
    expect(highlight('redeploy', ['deploy'])).toEqual([{ text: 'redeploy', match: false }]);
  });

  it('cuts a long text to an excerpt around the first match', () => {
    const text = `${'a '.repeat(300)}needle ${'b '.repeat(300)}`;
    const sut = highlight(text, ['needle']);
    expect(sut[0]).toEqual({ text: '…', match: false });
    expect(sut.at(-1)).toEqual({ text: '…', match: false });
    expect(sut.filter((part) => part.match)).toEqual([{ text: 'needle', match: true }]);
    expect(sut.map((part) => part.text).join('').length).toBeLessThanOrEqual(242);
  });
});
