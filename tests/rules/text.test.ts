/** The texts rules writes on a site incident's record stay within what the desk takes (TEXT_MAX). */
import { describe, expect, it } from 'vitest';
import { TEXT_MAX } from '../../src/records/service/index.ts';
import { deviceList, incidentText, incidentUpdate, type Lang } from '../../src/rules/text.ts';

/** 64 characters, the longest id the registry takes. */
const longId = (i: number) => `D${String(i).padStart(63, '0')}`;
const storm = Array.from({ length: 500 }, (_, i) => longId(i));
const LANGS: Lang[] = ['en', 'zh-CN'];

describe('deviceList', () => {
  it('names every device when they fit', () => {
    expect(deviceList(['a', 'b', 'c'], 7, 'en')).toBe('a, b, c');
  });

  it('names those that fit and counts the rest, within the limit', () => {
    const list = deviceList(['aaaa', 'bbbb', 'cccc', 'dddd'], 20, 'en');
    expect(list).toBe('aaaa and 3 more');
    expect(deviceList(['aaaa', 'bbbb', 'cccc', 'dddd'], 20, 'zh-CN')).toBe('aaaa, bbbb 等另外 2 台');
    for (let max = 0; max < 40; max++)
      expect(deviceList(['aaaa', 'bbbb', 'cccc', 'dddd'], max, 'en').length).toBeLessThanOrEqual(
        Math.max(max, ' and 4 more'.length),
      );
  });
});

describe.each(LANGS)('a storm of 500 devices with 64-character ids (%s)', (lang) => {
  it('gives a record the desk takes, naming as many as fit and counting the rest', () => {
    const { title, content } = incidentText(
      { site: 'estate-1', devices: storm, openedAt: new Date(0), ref: '[estate-1/storm/0]' },
      lang,
      TEXT_MAX.content,
    );
    expect(title.length).toBeLessThanOrEqual(TEXT_MAX.title);
    expect(content.length).toBeLessThanOrEqual(TEXT_MAX.content);
    expect(content.length).toBeGreaterThan(TEXT_MAX.content - 100);
    expect(content).toContain('[estate-1/storm/0]');
    expect(content).toContain(storm[0]);
    const shown = storm.filter((d) => content.includes(d)).length;
    expect(content).toContain(lang === 'en' ? `and ${500 - shown} more` : `等另外 ${500 - shown} 台`);
  });

  it('gives a growth note the desk takes, with the count down now and the newcomers', () => {
    const note = incidentUpdate(500, storm.slice(63), lang, TEXT_MAX.note);
    expect(note.length).toBeLessThanOrEqual(TEXT_MAX.note);
    expect(note).toContain('500');
    expect(note).toContain(storm[63]);
    expect(note).not.toContain(storm[62]);
  });
});
