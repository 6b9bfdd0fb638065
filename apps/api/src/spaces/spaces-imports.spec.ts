import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';

const source = path.resolve(import.meta.dirname, '..');
const features = ['chat', 'scoreboard', 'lists'];

/** The modules of `apps/api/src` that the files of `folder` import, by their first folder. */
function importedFolders(folder: string): string[] {
  const files = readdirSync(path.join(source, folder)).filter((name) => name.endsWith('.ts'));
  return files.flatMap((name) => {
    const text = readFileSync(path.join(source, folder, name), 'utf8');
    return [...text.matchAll(/from '(\.[^']+)'/g)].map(([, specifier = '']) => {
      const target = path.relative(source, path.resolve(source, folder, specifier));
      return `${target.split(path.sep)[0]} (${name})`;
    });
  });
}

describe('spaces', () => {
  // Rooms, boards and lists build on spaces: what a kind adds comes with the kind (`SpaceKind`).
  it('imports no feature', () => {
    const imported = importedFolders('spaces');
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((folder) => features.some((feature) => folder.startsWith(`${feature} `)))).toEqual([]);
  });
});
