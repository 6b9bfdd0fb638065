/** The app's top-level views, reached by tabs and kept in the address (`#/scoreboard`). */
export const sections = [
  { id: 'chat', label: 'Chat' },
  { id: 'scoreboard', label: 'Scoreboard' },
  { id: 'lists', label: 'Lists' },
  /** Operators only (see `opsAccess`). */
  { id: 'ops', label: 'Operations' },
] as const;
export type Section = (typeof sections)[number]['id'];

function fromHash(hash: string): Section {
  const wanted = hash.replace(/^#\/?/, '');
  return sections.find((section) => section.id === wanted)?.id ?? sections[0].id;
}

/** Which view is shown; follows the address, so back/forward and links work. */
export class SectionManager {
  current = $state<Section>(fromHash(location.hash));

  constructor() {
    window.addEventListener('hashchange', () => {
      this.current = fromHash(location.hash);
    });
  }

  href(section: Section): string {
    return `#/${section}`;
  }
}

export const navigation = new SectionManager();
